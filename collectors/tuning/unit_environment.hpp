#pragma once
// The environment settings of a systemd 252 service (systemd.exec(5)): Environment=,
// EnvironmentFile= (the setting and the file it names) and UnsetEnvironment=. Pure parsers over
// text, tested on inline strings; value types, safe from any thread.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "collectors/tuning/unit_words.hpp"

namespace llmon::tuning {

struct EnvAssignment {
  std::string name;
  std::string value;
  unsigned line = 0;  // in an environment file: the line the name starts on; else 0
};

// One Environment= value. `reset` when the value is empty: systemd forgets every earlier
// Environment= assignment. Several assignments per value; quoting and C escapes as split_words;
// specifiers as expand_specifiers. Words that are not NAME=VALUE with a valid name and UTF-8
// value are skipped with a problem; an unbalanced quote or unknown escape drops the rest of the
// value (the words before it stay), as systemd does. No $VARIABLE expansion.
struct EnvValueParse {
  std::vector<EnvAssignment> assignments;
  std::vector<std::string> problems;
  bool reset = false;
};
EnvValueParse parse_environment_value(std::string_view value, const UnitNameInfo& unit = {});

// The content of a file named by EnvironmentFile=, read as systemd 252's env-file parser:
// NAME=VALUE per line, '#' or ';' comments (a comment ending in a backslash goes on to the next
// line), unquoted values with shell-like backslash escapes and continuation, '…' verbatim and
// "…" with \" \\ \` \$ escapes (both may span lines), surrounding blanks dropped, no `export`
// keyword (such a line is an invalid name), no variable expansion. Lines without '=' are
// ignored silently; invalid names are skipped with a problem. Duplicates are all returned, in
// order (the last one wins). `fatal` is set where systemd refuses the whole file (a NUL byte,
// invalid UTF-8): the service then fails to start unless the setting has the '-' prefix.
struct EnvFileProblem {
  unsigned line = 0;  // 0: the whole file
  std::string message;
};
struct EnvFileParse {
  std::vector<EnvAssignment> assignments;
  std::vector<EnvFileProblem> problems;
  std::optional<EnvFileProblem> fatal;
};
EnvFileParse parse_environment_file(std::string_view text);

// One EnvironmentFile= value: an absolute path or glob, with an optional '-' prefix (a missing
// file is then no error). Specifiers are expanded and the path is simplified ("//", "/./"); the
// whole value is one path (no quoting, spaces allowed). `reset` for an empty value. A relative
// path is ignored by systemd: `problem` says so and `path` is empty.
struct EnvFileEntry {
  std::string path;
  bool optional = false;  // the '-' prefix
  bool reset = false;
  std::string problem;
};
EnvFileEntry parse_environment_file_entry(std::string_view value, const UnitNameInfo& unit = {});

// One UnsetEnvironment= value: variable names and NAME=VALUE assignments (quoting and specifiers
// as Environment=). Entries that are neither are skipped with a problem; `reset` when empty.
struct UnsetParse {
  std::vector<std::string> entries;
  std::vector<std::string> problems;
  bool reset = false;
};
UnsetParse parse_unset_environment(std::string_view value, const UnitNameInfo& unit = {});

// Whether an UnsetEnvironment= entry removes a variable: a bare name removes it whatever its
// value; NAME=VALUE removes it only when the value matches exactly.
bool unset_matches(std::string_view entry, std::string_view name, std::string_view value);

}  // namespace llmon::tuning
