// effective_unit_environment: what systemd 252's exec_context_load_environment and the exec
// setup make of a unit's environment settings.
#include <glob.h>

#include <algorithm>

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

void set_variable(std::vector<UnitEnvVar>& vars, UnitEnvVar v) {
  auto it =
      std::find_if(vars.begin(), vars.end(), [&](const UnitEnvVar& e) { return e.name == v.name; });
  if (it != vars.end()) {
    *it = std::move(v);
  } else {
    vars.push_back(std::move(v));
  }
}

}  // namespace

UnitEnvironment effective_unit_environment(const UnitFileSet& unit, const UnitFileReader& read) {
  UnitEnvironment out;
  out.variables = unit.environment;
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
        set_variable(out.variables,
                     {std::move(a.name), std::move(a.value), SettingSource{file.string(), a.line}});
      }
    }
  }
  for (const auto& u : unit.unset_environment) {
    std::erase_if(out.variables,
                  [&](const UnitEnvVar& v) { return unset_matches(u.value, v.name, v.value); });
  }
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
