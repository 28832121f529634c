#include "common/config_reader.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <sstream>

namespace llmon {

std::string ConfigErrors::where(const toml::source_region& region) const {
  return source + ":" + std::to_string(region.begin.line) + ":" +
         std::to_string(region.begin.column);
}

void ConfigErrors::add(const toml::source_region& region, const std::string& message) {
  order_.push_back({{region.begin.line, region.begin.column}, errors.size()});
  errors.push_back(where(region) + ": " + message);
}

std::string ConfigErrors::sorted_message() const {
  auto order = order_;
  std::stable_sort(order.begin(), order.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string out;
  for (const auto& [pos, index] : order) out += (out.empty() ? "" : "\n") + errors[index];
  return out;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t subst = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, subst});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string describe_node(const toml::node& node) {
  std::ostringstream out;
  switch (node.type()) {
    case toml::node_type::string:
      out << "string \"" << *node.value<std::string>() << "\"";
      break;
    case toml::node_type::integer:
      out << "integer " << *node.value<std::int64_t>();
      break;
    case toml::node_type::floating_point:
      out << "float " << *node.value<double>();
      break;
    case toml::node_type::boolean:
      out << "boolean " << (*node.value<bool>() ? "true" : "false");
      break;
    case toml::node_type::table:
      out << "a table";
      break;
    case toml::node_type::array:
      out << "an array";
      break;
    default:
      out << "a date/time";
      break;
  }
  return out.str();
}

TableReader::TableReader(const toml::table& table, std::string prefix, ConfigErrors& errors)
    : table_(table), prefix_(std::move(prefix)), errors_(errors) {}

std::string TableReader::qualified(std::string_view key) const {
  return prefix_.empty() ? std::string(key) : prefix_ + "." + std::string(key);
}

void TableReader::error(std::string_view key, const std::string& message) const {
  const toml::node* node = table_.get(key);
  errors_.add(node != nullptr ? node->source() : table_.source(), qualified(key) + ": " + message);
}

std::string toml_quote(std::string_view s) {
  std::ostringstream out;
  out << toml::toml_formatter{toml::value<std::string>(std::string(s)),
                              toml::format_flags::allow_unicode_strings};
  return out.str();
}

std::string toml_string_list(const std::vector<std::string>& values) {
  std::string s = "[";
  for (std::size_t i = 0; i < values.size(); ++i) s += (i ? ", " : "") + toml_quote(values[i]);
  return s + "]";
}

bool valid_config_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') {
      return false;
    }
  }
  return true;
}

void TableReader::reject_unknown(std::initializer_list<std::string_view> known) const {
  reject_unknown(std::vector<std::string_view>(known));
}

void TableReader::reject_unknown(const std::vector<std::string_view>& known) const {
  for (const auto& [key, node] : table_) {
    const std::string_view name = key.str();
    if (std::find(known.begin(), known.end(), name) != known.end()) continue;
    std::string message = "unknown key '" + qualified(name) + "'";
    std::string_view best;
    std::size_t best_distance = std::string_view::npos;
    for (std::string_view candidate : known) {
      const std::size_t d = edit_distance(name, candidate);
      if (d < best_distance) {
        best_distance = d;
        best = candidate;
      }
    }
    if (!best.empty() && best_distance <= std::max<std::size_t>(2, name.size() / 3)) {
      message += " (did you mean '" + qualified(best) + "'?)";
    } else if (known.size() > 0) {
      message += " (known keys:";
      for (std::string_view candidate : known) message += " " + std::string(candidate);
      message += ")";
    }
    errors_.add(key.source(), message);
  }
}

void TableReader::wrong_type(const toml::node& node, std::string_view key,
                             std::string_view expected) const {
  errors_.add(node.source(), qualified(key) + ": expected " + std::string(expected) + ", found " +
                                 describe_node(node));
}

void TableReader::get(std::string_view key, std::string& out) const {
  const toml::node* node = table_.get(key);
  if (node == nullptr) return;
  if (auto v = node->value_exact<std::string>()) {
    out = *v;
  } else {
    wrong_type(*node, key, "a string");
  }
}

void TableReader::get(std::string_view key, bool& out) const {
  const toml::node* node = table_.get(key);
  if (node == nullptr) return;
  if (auto v = node->value_exact<bool>()) {
    out = *v;
  } else {
    wrong_type(*node, key, "true or false");
  }
}

void TableReader::get(std::string_view key, std::int64_t& out, std::int64_t min,
                      std::int64_t max) const {
  const toml::node* node = table_.get(key);
  if (node == nullptr) return;
  auto v = node->value_exact<std::int64_t>();
  if (!v) {
    wrong_type(*node, key, "an integer");
  } else if (*v < min || *v > max) {
    errors_.add(node->source(), qualified(key) + ": expected an integer from " +
                                    std::to_string(min) + " to " + std::to_string(max) +
                                    ", found " + std::to_string(*v));
  } else {
    out = *v;
  }
}

void TableReader::get(std::string_view key, double& out, double min, double max) const {
  const toml::node* node = table_.get(key);
  if (node == nullptr) return;
  std::optional<double> v = node->value_exact<double>();
  if (!v) {
    if (auto i = node->value_exact<std::int64_t>()) v = static_cast<double>(*i);
  }
  if (!v) {
    wrong_type(*node, key, "a number");
  } else if (!std::isfinite(*v) || *v < min || *v > max) {
    std::ostringstream msg;
    msg << qualified(key) << ": expected a number from " << min << " to " << max << ", found "
        << *v;
    errors_.add(node->source(), msg.str());
  } else {
    out = *v;
  }
}

void TableReader::get(std::string_view key, Duration& out, Duration min, Duration max) const {
  const toml::node* node = table_.get(key);
  if (node == nullptr) return;
  if (node->is_number()) {
    errors_.add(node->source(),
                qualified(key) +
                    ": expected a duration string such as \"5s\" or \"250ms\", found " +
                    describe_node(*node) + " (a bare number has no unit; write it in quotes " +
                    "with a unit)");
    return;
  }
  auto text = node->value_exact<std::string>();
  if (!text) {
    wrong_type(*node, key, "a duration string such as \"5s\"");
    return;
  }
  auto d = parse_duration(*text);
  if (!d) {
    errors_.add(node->source(), qualified(key) + ": " + d.error().message);
  } else if (*d < min || *d > max) {
    errors_.add(node->source(), qualified(key) + ": expected a duration from " +
                                    format_duration(min) + " to " + format_duration(max) +
                                    ", found \"" + *text + "\"");
  } else {
    out = *d;
  }
}

void TableReader::get(std::string_view key, std::filesystem::path& out) const {
  const toml::node* node = table_.get(key);
  if (node == nullptr) return;
  auto v = node->value_exact<std::string>();
  if (!v) {
    wrong_type(*node, key, "a path string");
  } else if (v->empty()) {
    errors_.add(node->source(), qualified(key) + ": expected a path, found an empty string");
  } else {
    out = *v;
  }
}

void TableReader::get(std::string_view key, std::vector<std::string>& out) const {
  const toml::node* node = table_.get(key);
  if (node == nullptr) return;
  const toml::array* arr = node->as_array();
  if (arr == nullptr) {
    wrong_type(*node, key, "an array of strings");
    return;
  }
  std::vector<std::string> values;
  for (const toml::node& element : *arr) {
    auto v = element.value_exact<std::string>();
    if (!v) {
      wrong_type(element, key, "an array of strings");
      return;
    }
    values.push_back(*v);
  }
  out = std::move(values);
}

void TableReader::get_enum(std::string_view key, std::string& out,
                           std::initializer_list<std::string_view> allowed) const {
  const toml::node* node = table_.get(key);
  if (node == nullptr) return;
  auto v = node->value_exact<std::string>();
  std::string expected = "one of ";
  std::size_t i = 0;
  for (std::string_view a : allowed) {
    if (i > 0) expected += (i + 1 == allowed.size()) ? " or " : ", ";
    expected += "\"" + std::string(a) + "\"";
    ++i;
  }
  if (!v || std::find(allowed.begin(), allowed.end(), *v) == allowed.end()) {
    wrong_type(*node, key, expected);
    return;
  }
  out = *v;
}

const toml::table* TableReader::table(std::string_view key) const {
  const toml::node* node = table_.get(key);
  if (node == nullptr) return nullptr;
  if (const toml::table* t = node->as_table()) return t;
  wrong_type(*node, key, "a table");
  return nullptr;
}

std::optional<std::vector<const toml::table*>> TableReader::tables(std::string_view key) const {
  const toml::node* node = table_.get(key);
  if (node == nullptr) return std::nullopt;
  const toml::array* arr = node->as_array();
  if (arr == nullptr || !arr->is_array_of_tables()) {
    wrong_type(*node, key, "[[" + qualified(key) + "]] tables (an array of tables)");
    return std::nullopt;
  }
  std::vector<const toml::table*> out;
  for (const toml::node& element : *arr) out.push_back(element.as_table());
  return out;
}

}  // namespace llmon
