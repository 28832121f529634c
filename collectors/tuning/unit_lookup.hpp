#pragma once
// Finding a unit's files the way systemd 252 does (src/shared/unit-file.c, dropin.c): the main
// file through aliases and templates, and its drop-in directories. Used by load_unit; public so
// the rules are tested one by one. Stateless (directory scans only); safe from any thread.
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "collectors/tuning/unit_syntax.hpp"

namespace llmon::tuning {

// The drop-in directory names systemd searches for one unit name, most specific first, without
// the type-level one ("service.d"): "foo-bar-baz.service" gives foo-bar-baz.service.d,
// foo-bar-.service.d, foo-.service.d; "foo@x.service" adds the template's foo@.service.d.
std::vector<std::string> dropin_dir_names(std::string_view name);

struct UnitLookup {
  std::string id;                  // the name the chain of aliases ends at
  std::vector<std::string> names;  // id first, then the asked name and every alias, sorted
  std::filesystem::path fragment;  // the entry in a unit directory (a symlink's own path)
  std::filesystem::path contents;  // where its text is read (symlinks followed under root)
  bool masked = false;             // symlink to /dev/null, a character device or an empty file
  std::vector<UnitProblem> problems;
};

// `dirs` highest priority first. Entries of the same name in later dirs are hidden by earlier
// ones; a symlink whose target lies in one of `dirs` is an alias of the target's name (one to
// itself is skipped), any other symlink is the unit's file. `fragment` is empty when nothing
// is found (then `id` is the asked name).
UnitLookup find_unit(const std::string& name, const std::vector<std::filesystem::path>& dirs,
                     const std::filesystem::path& root);

// The drop-in files of a unit called by `names` (of type `type`, e.g. "service"), in the order
// systemd applies them: every `<dir>/<dropin dir>/*.conf` with the first one of a file name
// winning, sorted by file name. Hidden files (".x.conf") are skipped. Drop-in directories are
// named with their symlinks resolved (absolute targets under `root`), as systemd names them.
std::vector<std::filesystem::path> find_dropins(const std::vector<std::string>& names,
                                                std::string_view type,
                                                const std::vector<std::filesystem::path>& dirs,
                                                const std::filesystem::path& root,
                                                std::vector<UnitProblem>& problems);

// `path` with symlinks of its last component followed, absolute targets taken under `root`
// (for fixture trees); `path` itself when `root` is empty (the kernel then follows them).
std::filesystem::path resolve_under_root(const std::filesystem::path& path,
                                         const std::filesystem::path& root);

}  // namespace llmon::tuning
