#include "collectors/tuning/unit_environment.hpp"

#include <algorithm>

namespace llmon::tuning {

namespace {

constexpr std::string_view kBlanks = " \t\n\r";

std::string_view strip(std::string_view s) {
  const auto first = s.find_first_not_of(kBlanks);
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(kBlanks);
  return s.substr(first, last - first + 1);
}

// Splits and expands a value's words; invalid words are reported by the caller's check.
std::vector<std::string> expanded_words(std::string_view value, const UnitNameInfo& unit,
                                        std::vector<std::string>& problems) {
  WordSplit split = split_words(value);
  std::vector<std::string> out;
  for (auto& word : split.words) {
    SpecifierResult r = expand_specifiers(word, unit);
    if (!r.ok) {
      problems.push_back("'" + printable(word) + "': " + r.warning + ", ignored");
      continue;
    }
    if (!r.warning.empty()) problems.push_back("'" + printable(word) + "': " + r.warning);
    out.push_back(std::move(r.text));
  }
  if (!split.error.empty()) {
    problems.push_back("invalid syntax (" + split.error + "), the rest of the value is ignored");
  }
  return out;
}

// systemd's path_simplify: no empty or "." components, no trailing slash.
std::string simplify_path(std::string_view path) {
  std::string out;
  std::size_t i = 0;
  while (i < path.size()) {
    const auto slash = path.find('/', i);
    const std::string_view part =
        path.substr(i, slash == std::string_view::npos ? std::string_view::npos : slash - i);
    if (!part.empty() && part != ".") {
      if (!out.empty() || path[0] == '/') out += '/';
      out.append(part);
    }
    if (slash == std::string_view::npos) break;
    i = slash + 1;
  }
  if (out.empty() && !path.empty() && path[0] == '/') out = "/";
  return out;
}

}  // namespace

EnvValueParse parse_environment_value(std::string_view value, const UnitNameInfo& unit) {
  EnvValueParse result;
  if (strip(value).empty()) {
    result.reset = true;
    return result;
  }
  for (auto& word : expanded_words(value, unit, result.problems)) {
    if (!env_assignment_valid(word)) {
      result.problems.push_back("invalid environment assignment '" + printable(word) +
                                "', ignored");
      continue;
    }
    const auto eq = word.find('=');
    result.assignments.push_back({word.substr(0, eq), word.substr(eq + 1), 0});
  }
  return result;
}

EnvFileEntry parse_environment_file_entry(std::string_view value, const UnitNameInfo& unit) {
  EnvFileEntry entry;
  if (strip(value).empty()) {
    entry.reset = true;
    return entry;
  }
  SpecifierResult r = expand_specifiers(value, unit);
  if (!r.ok) {
    entry.problem = r.warning + ", ignored";
    return entry;
  }
  std::string_view path = r.text;
  if (!path.empty() && path[0] == '-') {
    entry.optional = true;
    path.remove_prefix(1);
  }
  if (path.empty() || path[0] != '/') {
    entry.problem = "path is not absolute, ignored: '" + printable(path) + "'";
    return entry;
  }
  const std::string simple = simplify_path(path);
  if ((simple + "/").find("/../") != std::string::npos) {
    entry.problem = "path is not normalized ('..'), ignored: '" + printable(simple) + "'";
    return entry;
  }
  entry.path = simple;
  if (!r.warning.empty()) entry.problem = r.warning;
  return entry;
}

UnsetParse parse_unset_environment(std::string_view value, const UnitNameInfo& unit) {
  UnsetParse result;
  if (strip(value).empty()) {
    result.reset = true;
    return result;
  }
  for (auto& word : expanded_words(value, unit, result.problems)) {
    if (!env_name_valid(word) && !env_assignment_valid(word)) {
      result.problems.push_back("invalid environment name or assignment '" + printable(word) +
                                "', ignored");
      continue;
    }
    result.entries.push_back(std::move(word));
  }
  return result;
}

bool unset_matches(std::string_view entry, std::string_view name, std::string_view value) {
  const auto eq = entry.find('=');
  if (eq == std::string_view::npos) return entry == name;
  return entry.substr(0, eq) == name && entry.substr(eq + 1) == value;
}

}  // namespace llmon::tuning
