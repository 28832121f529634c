#include "collectors/tuning/unit_resolve.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <unordered_map>
#include <unordered_set>

#include "collectors/tuning/unit_environment.hpp"
#include "collectors/tuning/unit_lookup.hpp"
#include "collectors/tuning/unit_words.hpp"

namespace llmon::tuning {

namespace fs = std::filesystem;

namespace {

std::int64_t usec_of(const struct stat& st) {
  return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000 + st.st_mtim.tv_nsec / 1000;
}

bool same_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// Applies one file's settings of section `section` to `set`, as systemd's parsers for
// Environment=, EnvironmentFile=, UnsetEnvironment=, User= and ExecStart= would.
class SettingsBuilder {
 public:
  SettingsBuilder(UnitFileSet& set, std::string section) : set_(set), section_(std::move(section)) {
    info_.id = set.id;
    info_.fragment_path = set.fragment.string();
  }

  // Applies the file's assignments up to the first one systemd refuses (it stops reading the
  // file there), which is returned.
  std::optional<UnitProblem> apply(const UnitFile& file) {
    for (const auto& s : file.sections) {
      const bool known = s.name == "Unit" || s.name == "Install" || s.name == section_ ||
                         s.name.rfind("X-", 0) == 0;
      if (!known) {
        problem(file.source, s.line, "unknown section [" + printable(s.name) + "], ignored");
      }
    }
    for (const auto& a : file.assignments) {
      if (a.section != section_) continue;
      if (auto refused = assignment(file.source, a)) return refused;
    }
    return std::nullopt;
  }

  // systemd refuses a service without a command to run (service_verify).
  std::optional<std::string> missing_command() const {
    if (section_ != "Service" || set_.exec_start || has_exec_stop_ || has_success_action_) {
      return std::nullopt;
    }
    return "service has no ExecStart=, ExecStop= or SuccessAction=; systemd refuses it";
  }

 private:
  std::optional<UnitProblem> assignment(const std::string& file, const UnitAssignment& a) {
    const SettingSource src{file, a.line};
    if (a.key == "Environment") {
      EnvValueParse p = parse_environment_value(a.value, info_);
      if (p.reset) {
        set_.environment.clear();
        env_index_.clear();
      }
      for (const auto& msg : p.problems) problem(file, a.line, "Environment=: " + msg);
      for (auto& v : p.assignments) {  // a name set again keeps its place (strv_env_replace)
        const auto [it, added] = env_index_.try_emplace(v.name, set_.environment.size());
        if (added) {
          set_.environment.push_back({std::move(v.name), std::move(v.value), src});
        } else {
          set_.environment[it->second].value = std::move(v.value);
          set_.environment[it->second].source = src;
        }
      }
    } else if (a.key == "EnvironmentFile") {
      EnvFileEntry e = parse_environment_file_entry(a.value, info_);
      if (e.reset) set_.environment_files.clear();
      if (!e.problem.empty()) problem(file, a.line, "EnvironmentFile=: " + e.problem);
      if (!e.path.empty()) set_.environment_files.push_back({e.path, e.optional, src});
    } else if (a.key == "UnsetEnvironment") {
      UnsetParse u = parse_unset_environment(a.value, info_);
      if (u.reset) {
        set_.unset_environment.clear();
        unset_seen_.clear();
      }
      for (const auto& msg : u.problems) problem(file, a.line, "UnsetEnvironment=: " + msg);
      for (auto& e : u.entries) {  // systemd keeps each entry once, where it first appeared
        if (unset_seen_.insert(e).second) set_.unset_environment.push_back({std::move(e), src});
      }
    } else if (a.key == "User") {
      return user(a, src);
    } else if (a.key == "ExecStart") {
      exec_start(a, src);
    } else if (a.key == "ExecStop") {
      has_exec_stop_ = !a.value.empty();
    } else if (a.key == "SuccessAction") {
      has_success_action_ = !a.value.empty() && a.value != "none";
    } else {
      for (const char* key :
           {"Environment", "EnvironmentFile", "UnsetEnvironment", "User", "ExecStart"}) {
        if (same_ignoring_case(a.key, key)) {
          problem(file, a.line,
                  "unknown key '" + printable(a.key) + "' (keys are case-sensitive: " + key +
                      "=), ignored");
        }
      }
    }
    return std::nullopt;
  }

  std::optional<UnitProblem> user(const UnitAssignment& a, const SettingSource& src) {
    if (a.value.empty()) {
      set_.user.reset();
      return std::nullopt;
    }
    const SpecifierResult r = expand_specifiers(a.value, info_);
    if (!r.ok || !user_name_valid(r.text)) {
      return UnitProblem{src.file, src.line,
                         "User=" + printable(r.ok ? r.text : a.value) + ": " +
                             (r.ok ? "not a valid user name or uid" : r.warning)};
    }
    set_.user = UnitSetting{r.text, src};
    return std::nullopt;
  }

  void exec_start(const UnitAssignment& a, const SettingSource& src) {
    if (a.value.empty()) {
      set_.exec_start.reset();
      return;
    }
    if (set_.exec_start) return;  // later lines add commands; the first one is the program
    std::string_view v = a.value;
    while (!v.empty() && std::string_view("@-:+!").find(v.front()) != std::string_view::npos) {
      v.remove_prefix(1);
    }
    WordSplit w = split_words(v);
    if (w.words.empty() || !w.error.empty()) {  // systemd ignores the whole line
      problem(
          src.file, src.line,
          "ExecStart=: " + (w.error.empty() ? std::string("no command") : w.error) + ", ignored");
      return;
    }
    set_.exec_start = UnitSetting{expand_specifiers(w.words.front(), info_).text, src};
  }

  void problem(const std::string& file, unsigned line, std::string message) {
    set_.problems.push_back({file, line, std::move(message)});
  }

  UnitFileSet& set_;
  std::string section_;
  UnitNameInfo info_;
  std::unordered_map<std::string, std::size_t> env_index_;  // name -> place in environment
  std::unordered_set<std::string> unset_seen_;
  bool has_exec_stop_ = false;
  bool has_success_action_ = false;
};

// Where systemd stopped reading a file, and why.
struct FileStop {
  UnitProblem problem;
  UnitLoadState state;  // kError (syntax) or kBadSetting (a refused setting)
};

// The file's settings, and its problems (syntax and settings) in line order. Reading stops at
// the first syntax error or refused setting, whichever comes first: that one is returned.
std::optional<FileStop> apply_file(UnitFileSet& set, SettingsBuilder& builder, UnitFile f) {
  const std::size_t first = set.problems.size();
  set.problems.insert(set.problems.end(), f.problems.begin(), f.problems.end());
  std::optional<FileStop> stop;
  if (auto refused = builder.apply(f)) {
    stop = FileStop{std::move(*refused), UnitLoadState::kBadSetting};
  } else if (f.fatal) {
    stop = FileStop{std::move(*f.fatal), UnitLoadState::kError};
  }
  std::stable_sort(set.problems.begin() + static_cast<std::ptrdiff_t>(first), set.problems.end(),
                   [](const UnitProblem& a, const UnitProblem& b) { return a.line < b.line; });
  return stop;
}

// "service" -> "Service": the section holding a unit type's own settings.
std::string type_section(std::string type) {
  if (!type.empty()) type[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(type[0])));
  return type;
}

}  // namespace

std::string SettingSource::where() const { return file + ":" + std::to_string(line); }

const char* to_string(UnitLoadState state) {
  switch (state) {
    case UnitLoadState::kLoaded:
      return "loaded";
    case UnitLoadState::kNotFound:
      return "not-found";
    case UnitLoadState::kMasked:
      return "masked";
    case UnitLoadState::kError:
      return "error";
    case UnitLoadState::kBadSetting:
      return "bad-setting";
  }
  return "error";
}

ReadResult read_unit_file(const fs::path& path) { return read_file(path, kMaxUnitFileBytes); }

UnitFileStamp stamp_unit_file(const fs::path& path, const fs::path& contents) {
  UnitFileStamp stamp{path, std::nullopt};
  struct stat own {};
  struct stat target {};
  if (::lstat(path.c_str(), &own) == 0) stamp.mtime_usec = usec_of(own);
  if (::stat(contents.c_str(), &target) == 0 && S_ISREG(target.st_mode)) {
    stamp.mtime_usec = std::max(stamp.mtime_usec.value_or(0), usec_of(target));
  }
  return stamp;
}

UnitFileSet load_unit(const std::string& unit, const std::vector<fs::path>& unit_dirs,
                      const fs::path& root) {
  UnitFileSet set;
  set.name = unit;
  set.id = unit;
  set.root = root;
  const UnitNameParts parts = split_unit_name(unit);
  if (parts.type.empty()) {
    set.problems.push_back({unit, 0, "not a valid unit name"});
    return set;
  }
  UnitLookup found = find_unit(unit, unit_dirs, root);
  set.id = found.id;
  set.names = found.names;
  set.problems = std::move(found.problems);
  if (found.fragment.empty()) return set;  // not-found: systemd loads no drop-ins either
  set.fragment = found.fragment;
  set.files.push_back(stamp_unit_file(found.fragment, found.contents));
  SettingsBuilder builder(set, type_section(parts.type));
  if (found.masked) {
    set.state = UnitLoadState::kMasked;
  } else {
    ReadResult r = read_unit_file(found.contents);
    if (r.status == ReadStatus::kNotFound) {  // a dangling symlink: systemd says not-found
      set.problems.push_back({found.fragment.string(), 0, "symlink to a missing file: " + r.error});
      set.fragment.clear();
      set.files.clear();
      return set;
    }
    if (!r.ok()) {
      set.state = UnitLoadState::kError;
      set.problems.push_back({found.fragment.string(), 0, "cannot read: " + r.error});
      return set;
    }
    if (auto stop = apply_file(set, builder, parse_unit_file(r.content, found.fragment.string()))) {
      set.state = stop->state;  // systemd refuses the unit and reads no drop-in
      stop->problem.message +=
          std::string("; systemd refuses the unit (LoadState=") + to_string(stop->state) + ")";
      set.problems.push_back(std::move(stop->problem));
      return set;
    }
    set.state = UnitLoadState::kLoaded;
  }
  for (auto& path : find_dropins(set.names, parts.type, unit_dirs, root, set.problems)) {
    const fs::path contents = resolve_under_root(path, root);
    set.files.push_back(stamp_unit_file(path, contents));
    set.dropins.push_back(path);
    ReadResult r = read_unit_file(contents);
    if (!r.ok()) {
      set.problems.push_back({path.string(), 0, "cannot read, ignored: " + r.error});
      continue;
    }
    if (auto stop = apply_file(set, builder, parse_unit_file(r.content, path.string()))) {
      stop->problem.message += "; the rest of this drop-in is ignored";
      set.problems.push_back(std::move(stop->problem));
    }
  }
  if (set.state == UnitLoadState::kLoaded) {
    if (auto why = builder.missing_command()) {
      set.state = UnitLoadState::kBadSetting;
      set.problems.push_back({set.fragment.string(), 0, *why});
    }
  }
  return set;
}

}  // namespace llmon::tuning
