#pragma once
// A systemd unit as systemd 252 would load it from a list of unit directories: its main file,
// aliases, drop-ins in the order systemd applies them, and the environment-related settings
// they add up to. Thin I/O (directory listings, bounded reads, stat) around the pure parsers;
// every path comes from the caller, so fixture trees stand in for /etc and /usr/lib. Stateless
// functions returning value types; safe to call from any thread.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "collectors/tuning/unit_syntax.hpp"
#include "common/fs.hpp"

namespace llmon::tuning {

// Where a setting was made.
struct SettingSource {
  std::string file;
  unsigned line = 0;
  std::string where() const;  // "file:line"
};

// A file that makes up the unit or its environment, and when it last changed.
struct UnitFileStamp {
  std::filesystem::path path;
  // Unix time in microseconds (the unit of systemd's D-Bus timestamps): the newer of the entry
  // itself and, for a symlink, its target. nullopt when it could not be stat()ed.
  std::optional<std::int64_t> mtime_usec;
};

// The stamp of `path`, whose text is at `contents` (the same path, or its symlink target under a
// root).
UnitFileStamp stamp_unit_file(const std::filesystem::path& path,
                              const std::filesystem::path& contents);

struct UnitEnvVar {
  std::string name;
  std::string value;
  SettingSource source;
};

struct UnitEnvFileSetting {
  std::string path;       // as written after specifiers and simplification (may be a glob)
  bool optional = false;  // '-' prefix
  SettingSource source;
};

struct UnitSetting {
  std::string value;
  SettingSource source;
};

// systemd's LoadState, as far as the settings llmon reads tell it (a setting llmon does not
// read, e.g. a bad Type=, can still make systemd refuse a unit this calls loaded).
enum class UnitLoadState {
  kLoaded,
  kNotFound,    // no file for the name (or its template), or a dangling symlink
  kMasked,      // the main file is empty, or a symlink to /dev/null
  kError,       // systemd cannot parse the main file (see `problems`, the last one is why)
  kBadSetting,  // a setting systemd refuses (User=, no ExecStart=; the last problem says which)
};
const char* to_string(UnitLoadState state);

struct UnitFileSet {
  std::string name;                // as asked
  std::string id;                  // systemd's primary name: the target of an alias symlink
  std::vector<std::string> names;  // id first, then every alias
  UnitLoadState state = UnitLoadState::kNotFound;
  std::filesystem::path fragment;              // the main file (a symlink's own path); or empty
  std::vector<std::filesystem::path> dropins;  // in the order systemd applies them
  std::vector<UnitFileStamp> files;            // fragment then drop-ins, with mtimes
  std::vector<UnitEnvVar> environment;         // Environment= after resets; a name set again
                                               // keeps its first position, as systemd's list
  std::vector<UnitEnvFileSetting> environment_files;
  std::vector<UnitSetting> unset_environment;
  std::optional<UnitSetting> user;        // User=, last one wins
  std::optional<UnitSetting> exec_start;  // program of the first ExecStart= command
  std::vector<UnitProblem> problems;      // unreadable files, lines systemd ignores, ...
  std::filesystem::path root;             // prefix for the absolute paths the files name
};

// Loads `unit` (e.g. "ollama.service") from `unit_dirs`, highest priority first. The main file
// is the first one found; a symlink to another name in a unit directory is an alias (followed,
// up to 32 hops; drop-ins of every alias apply); a symlink elsewhere is a linked unit file;
// instances fall back to their template. Drop-ins are `<name>.d/*.conf` for each name, then
// `<prefix>-.<type>.d/` for names with dashes (longer prefixes first), then `<type>.d/`, looked
// up directory by directory; a drop-in file name found first hides the same name found later;
// the survivors apply in lexical order of file name. Reading a file stops where systemd stops
// (a syntax error, a refused setting): in the main file that fails the unit (kError,
// kBadSetting) and no drop-in is read; in a drop-in only its rest is lost. `root` is prepended
// to absolute symlink targets and (in effective_unit_environment) to EnvironmentFile= paths;
// empty for the host. Never throws; every problem is in `problems`.
UnitFileSet load_unit(const std::string& unit, const std::vector<std::filesystem::path>& unit_dirs,
                      const std::filesystem::path& root = {});

// The environment the service gets from its unit files, as systemd builds it at start:
// Environment= first, then each EnvironmentFile= in order (globs expanded, sorted; they
// override Environment= and each other), then UnsetEnvironment= removes what it matches. The
// manager's own variables (PATH, LANG, INVOCATION_ID, ...) are not included.
struct UnitEnvironment {
  std::vector<UnitEnvVar> variables;
  std::vector<UnitFileStamp> environment_files;  // each file read (or tried), with mtimes
  std::vector<UnitProblem> problems;
  // Why systemd would fail to start the service ("Failed to load environment files"): a file
  // without the '-' prefix that is missing, unreadable or refused.
  std::optional<std::string> start_error;
  // The newest of the fragment, drop-ins and environment files: compared with the service's
  // start time it says whether a restart is pending.
  std::optional<UnitFileStamp> newest;
};

// Reads a file the unit names (the path already has `root` prepended). Tests pass their own.
using UnitFileReader = std::function<ReadResult(const std::filesystem::path&)>;
ReadResult read_unit_file(const std::filesystem::path& path);  // read_file, 1 MiB at most

UnitEnvironment effective_unit_environment(const UnitFileSet& unit,
                                           const UnitFileReader& read = read_unit_file);

}  // namespace llmon::tuning
