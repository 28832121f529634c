#pragma once
// systemd unit-file syntax (systemd.syntax(7), as systemd 252's config parser reads it): lines,
// comments, continuations, sections and key=value assignments. A pure parser over text; it
// never throws and its output is bounded by its input. Value types; safe from any thread.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace llmon::tuning {

// Something systemd would warn about (or stop at), located for a user: "file:line: message".
struct UnitProblem {
  std::string file;
  unsigned line = 0;  // 0: the whole file
  std::string message;
  std::string where() const;  // "file:line" or "file"
};

// A key=value line, key and value trimmed; `line` is where it starts (systemd's own messages
// cite the last line of a continued assignment).
struct UnitAssignment {
  std::string section;
  std::string key;
  std::string value;
  unsigned line = 0;
};

struct UnitSection {
  std::string name;
  unsigned line = 0;
};

struct UnitFile {
  std::string source;                       // the path (or name) the text came from
  std::vector<UnitSection> sections;        // every section header, in order
  std::vector<UnitAssignment> assignments;  // in file order, only those inside a section
  std::vector<UnitProblem> problems;        // lines systemd ignores, with its reason
  // Set when systemd stops reading the file at that line (invalid section header, a line that
  // is not UTF-8) or (too large) refuses it; nothing after it is in `assignments`. In a unit's main
  // file this makes the unit fail to load (LoadState=error); in a drop-in, the rest of that drop-in
  // is ignored.
  std::optional<UnitProblem> fatal;
};

// Files larger than this are refused whole. systemd's own limit is per line (1 MiB), which a
// file of at most 1 MiB cannot exceed.
inline constexpr std::size_t kMaxUnitFileBytes = 1024 * 1024;
// Assignments in a section whose name is longer than this are dropped (with one problem at its
// header): systemd knows no such section, and each assignment would carry a copy of the name.
inline constexpr std::size_t kMaxSectionNameBytes = 64;

// Lines end at \n, \r, \r\n, \n\r or NUL, as systemd's read_line. Leading and trailing spaces and
// tabs are trimmed. A line starting with '#' or ';' (after blanks) is a comment, also in the
// middle of a continuation, which then goes on after it. A line ending in an odd number of
// backslashes continues on the next one, the backslash becoming a space. The first UTF-8 byte
// order mark that starts a line is skipped (normally the file's first bytes).
UnitFile parse_unit_file(std::string_view text, std::string source);

}  // namespace llmon::tuning
