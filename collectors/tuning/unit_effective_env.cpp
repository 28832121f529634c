// effective_unit_environment: what systemd 252's exec_context_load_environment and the exec
// setup make of a unit's environment settings.
#include <glob.h>

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "collectors/tuning/unit_environment.hpp"
#include "collectors/tuning/unit_lookup.hpp"
#include "collectors/tuning/unit_resolve.hpp"

namespace llmon::tuning {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxGlobMatches = 256;

bool has_glob_chars(std::string_view path) {
  return path.find_first_of("*?[") != std::string_view::npos;
}

fs::path under_root(const fs::path& root, const std::string& path) {
  return root.empty() ? fs::path(path) : root / fs::path(path).relative_path();
}

// The files an EnvironmentFile= names: itself, or a glob's matches sorted (glob(3) without
// GLOB_NOSORT, as systemd's safe_glob). Empty when a glob matches nothing.
std::vector<fs::path> expand(const fs::path& pattern, std::vector<UnitProblem>& problems) {
  if (!has_glob_chars(pattern.string())) return {pattern};
  glob_t g{};
  std::vector<fs::path> out;
  if (::glob(pattern.c_str(), 0, nullptr, &g) == 0) {
    for (std::size_t i = 0; i < g.gl_pathc; ++i) {
      if (out.size() == kMaxGlobMatches) {
        problems.push_back({pattern.string(), 0, "more than 256 matches; the rest is not read"});
        break;
      }
      out.emplace_back(g.gl_pathv[i]);
    }
  }
  ::globfree(&g);
  return out;
}

// An environment list where setting a name again replaces it in place (strv_env_replace), in
// constant time per assignment: files can hold many thousands.
class Variables {
 public:
  explicit Variables(std::vector<UnitEnvVar> initial) : vars_(std::move(initial)) {
    for (std::size_t i = 0; i < vars_.size(); ++i) index_.emplace(vars_[i].name, i);
  }
  void set(UnitEnvVar v) {
    const auto [it, added] = index_.try_emplace(v.name, vars_.size());
    if (added) {
      vars_.push_back(std::move(v));
    } else {
      vars_[it->second] = std::move(v);
    }
  }
  // UnsetEnvironment= entries: names remove a variable, NAME=VALUE only that exact assignment.
  std::vector<UnitEnvVar> without(const std::vector<UnitSetting>& unset) && {
    std::unordered_set<std::string> entries;
    for (const auto& u : unset) entries.insert(u.value);
    std::erase_if(vars_, [&](const UnitEnvVar& v) {
      return entries.count(v.name) != 0 || entries.count(v.name + "=" + v.value) != 0;
    });
    return std::move(vars_);
  }

 private:
  std::vector<UnitEnvVar> vars_;
  std::unordered_map<std::string, std::size_t> index_;
};

}  // namespace

UnitEnvironment effective_unit_environment(const UnitFileSet& unit, const UnitFileReader& read) {
  UnitEnvironment out;
  Variables vars(unit.environment);
  const auto fail = [&](const UnitEnvFileSetting& setting, const std::string& why) {
    if (setting.optional) return;  // '-': systemd skips the file silently
    if (!out.start_error) {
      out.start_error = "EnvironmentFile=" + setting.path + " (" + setting.source.where() +
                        "): " + why + "; systemd fails to start the service";
    }
    out.problems.push_back({setting.source.file, setting.source.line, why});
  };
  for (const auto& setting : unit.environment_files) {
    const fs::path pattern = under_root(unit.root, setting.path);
    const std::vector<fs::path> files = expand(pattern, out.problems);
    if (files.empty()) fail(setting, pattern.string() + ": no file matches");
    for (const auto& file : files) {
      const fs::path contents = resolve_under_root(file, unit.root);
      ReadResult r = read(contents);
      if (!r.ok()) {
        if (r.status != ReadStatus::kNotFound)
          out.environment_files.push_back(stamp_unit_file(file, contents));
        fail(setting, r.error);
        continue;
      }
      out.environment_files.push_back(stamp_unit_file(file, contents));
      EnvFileParse parsed = parse_environment_file(r.content);
      for (const auto& p : parsed.problems) {
        out.problems.push_back({file.string(), p.line, p.message});
      }
      if (parsed.fatal) {
        const UnitProblem located{file.string(), parsed.fatal->line, parsed.fatal->message};
        fail(setting, located.where() + ": " + located.message);
        continue;
      }
      for (auto& a : parsed.assignments) {
        vars.set({std::move(a.name), std::move(a.value), SettingSource{file.string(), a.line}});
      }
    }
  }
  out.variables = std::move(vars).without(unit.unset_environment);
  using Stamps = std::vector<UnitFileStamp>;
  for (const Stamps* list :
       std::initializer_list<const Stamps*>{&unit.files, &out.environment_files}) {
    for (const auto& stamp : *list) {
      if (stamp.mtime_usec && (!out.newest || *stamp.mtime_usec > *out.newest->mtime_usec)) {
        out.newest = stamp;
      }
    }
  }
  return out;
}

}  // namespace llmon::tuning
