#include "collectors/tuning/unit_syntax.hpp"

#include "collectors/tuning/unit_words.hpp"

namespace llmon::tuning {

namespace {

constexpr std::string_view kBlanks = " \t\n\r";  // systemd's WHITESPACE
constexpr std::string_view kBom = "\xEF\xBB\xBF";

std::string_view strip(std::string_view s) {
  const auto first = s.find_first_not_of(kBlanks);
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(kBlanks);
  return s.substr(first, last - first + 1);
}

bool is_comment(std::string_view line) {
  const auto first = line.find_first_not_of(kBlanks);
  return first != std::string_view::npos && (line[first] == '#' || line[first] == ';');
}

// Splits lines as systemd's read_line: a run of end-of-line markers ends one line as long as no
// marker repeats and no NUL has been seen ("\r\n" is one end, "\n\n" two).
class LineReader {
 public:
  explicit LineReader(std::string_view text) : text_(text) {}

  bool next(std::string_view& line) {
    if (pos_ >= text_.size()) return false;
    const std::size_t start = pos_;
    while (pos_ < text_.size() && marker(text_[pos_]) == 0) ++pos_;
    line = text_.substr(start, pos_ - start);
    unsigned seen = 0;
    while (pos_ < text_.size()) {
      const unsigned m = marker(text_[pos_]);
      if (m == 0 || (seen & kNul) != 0 || (seen & m) != 0) break;
      seen |= m;
      ++pos_;
    }
    return true;
  }

 private:
  static constexpr unsigned kNul = 1, kLf = 2, kCr = 4;
  static unsigned marker(char c) {
    return c == '\0' ? kNul : c == '\n' ? kLf : c == '\r' ? kCr : 0;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

// systemd's string_is_safe: no control characters, quotes or backslashes.
bool safe_section_name(std::string_view name) {
  for (const char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F || c == '"' || c == '\'' || c == '\\') return false;
  }
  return true;
}

class Parser {
 public:
  explicit Parser(UnitFile& out) : out_(out) {}

  // One logical line (continuations joined). Returns false when systemd stops reading the file.
  bool line(std::string_view raw, unsigned line_no) {
    const std::string_view l = strip(raw);
    if (l.empty() || l[0] == '#' || l[0] == ';') return true;
    if (!utf8_valid(l)) return stop(line_no, "line is not valid UTF-8");
    if (l[0] == '[') {
      if (l.back() != ']' || l.size() < 2) {
        return stop(line_no, "invalid section header '" + printable(l) + "'");
      }
      const std::string_view name = l.substr(1, l.size() - 2);
      if (!safe_section_name(name)) {
        return stop(line_no, "bad characters in section header '" + printable(l) + "'");
      }
      section_ = std::string(name);
      in_section_ = true;
      out_.sections.push_back({section_, line_no});
      // Every assignment carries its section's name, so a long one would be copied once per
      // line after it (quadratic output). No section systemd reads is that long.
      skip_section_ = name.size() > kMaxSectionNameBytes;
      if (skip_section_) {
        return warn(line_no, "section name longer than " + std::to_string(kMaxSectionNameBytes) +
                                 " bytes; its assignments are ignored");
      }
      return true;
    }
    if (!in_section_) return warn(line_no, "assignment outside of any section, ignored");
    if (skip_section_) return true;
    const auto eq = l.find('=');
    if (eq == std::string_view::npos) return warn(line_no, "missing '=', line ignored");
    if (eq == 0) return warn(line_no, "missing key name before '=', line ignored");
    out_.assignments.push_back({section_, std::string(strip(l.substr(0, eq))),
                                std::string(strip(l.substr(eq + 1))), line_no});
    return true;
  }

 private:
  bool warn(unsigned line_no, std::string message) {
    out_.problems.push_back({out_.source, line_no, std::move(message)});
    return true;
  }
  bool stop(unsigned line_no, std::string message) {
    out_.fatal = UnitProblem{out_.source, line_no, std::move(message)};
    return false;
  }

  UnitFile& out_;
  std::string section_;
  bool in_section_ = false;
  bool skip_section_ = false;
};

}  // namespace

std::string UnitProblem::where() const {
  return line == 0 ? file : file + ":" + std::to_string(line);
}

UnitFile parse_unit_file(std::string_view text, std::string source) {
  UnitFile out;
  out.source = std::move(source);
  if (text.size() > kMaxUnitFileBytes) {
    out.fatal = UnitProblem{
        out.source, 0, "larger than " + std::to_string(kMaxUnitFileBytes) + " bytes; not read"};
    return out;
  }
  Parser parser(out);
  LineReader reader(text);
  std::string_view raw;
  std::string continuation;
  bool continuing = false;
  bool bom_seen = false;
  unsigned line_no = 0;
  unsigned start_line = 0;
  while (reader.next(raw)) {
    ++line_no;
    if (is_comment(raw)) continue;
    if (!bom_seen &&
        raw.substr(0, kBom.size()) == kBom) {  // systemd skips the first one, on any line
      raw.remove_prefix(kBom.size());
      bom_seen = true;
    }
    // The escape state restarts at each joined piece: the backslash that joined it became a
    // space. So only this piece's trailing backslashes decide, which keeps joining linear.
    std::size_t backslashes = 0;
    while (backslashes < raw.size() && raw[raw.size() - 1 - backslashes] == '\\') ++backslashes;
    if (!continuing) start_line = line_no;
    if (backslashes % 2 == 1) {
      continuation.append(raw.substr(0, raw.size() - 1));
      continuation += ' ';
      continuing = true;
      continue;
    }
    bool go_on = true;
    if (continuing) {
      continuation.append(raw);
      go_on = parser.line(continuation, start_line);
      continuation.clear();
      continuing = false;
    } else {
      go_on = parser.line(raw, start_line);
    }
    if (!go_on) return out;
  }
  if (continuing) parser.line(continuation, start_line);  // systemd parses a dangling one too
  return out;
}

}  // namespace llmon::tuning
