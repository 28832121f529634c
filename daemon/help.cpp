// Renders the command tables (help_commands.cpp) as terminal text and as man(7) roff.
#include "daemon/help.hpp"

#include <algorithm>
#include <sstream>
#include <vector>

namespace llmon::help {

namespace {

constexpr std::size_t kWidth = 79;
constexpr std::size_t kOptionColumn = 24;
constexpr std::size_t kCommandColumn = 22;
constexpr std::size_t kFileColumn = 26;

std::vector<std::string_view> words(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && text[i] == ' ') ++i;
    const std::size_t start = i;
    while (i < text.size() && text[i] != ' ') ++i;
    if (i > start) out.push_back(text.substr(start, i - start));
  }
  return out;
}

// Fills `text` into lines of at most kWidth: the first starts after `first` (already
// written, `first_len` wide), the others with `indent` spaces. A word is never split.
void fill(std::ostream& out, std::string_view text, std::size_t first_len, std::size_t indent) {
  std::size_t column = first_len;
  bool line_empty = true;
  for (std::string_view w : words(text)) {
    if (!line_empty && column + 1 + w.size() > kWidth) {
      out << "\n" << std::string(indent, ' ');
      column = indent;
      line_empty = true;
    }
    if (!line_empty) {
      out << ' ';
      ++column;
    }
    out << w;
    column += w.size();
    line_empty = false;
  }
  out << "\n";
}

// Paragraphs are separated by "\n\n" in the tables.
std::vector<std::string_view> paragraphs(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = text.find("\n\n", start);
    out.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) break;
    start = end + 2;
  }
  return out;
}

std::string option_usage(const Option& o) {
  std::string s(o.flag);
  if (!o.value.empty()) s += " " + std::string(o.value);
  return s;
}

std::string option_text(const Option& o) {
  std::string s(o.text);
  if (o.repeatable) s += "; repeatable";
  if (!o.default_text.empty()) s += " (default: " + std::string(o.default_text) + ")";
  return s;
}

// man(7): a backslash starts an escape, '-' must be \- to stay an ASCII hyphen-minus, and a
// line starting with '.' or '\'' would be a request.
std::string roff(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else {
      if ((c == '.' || c == '\'') && (out.empty() || out.back() == '\n')) out += "\\&";
      out += c;
    }
  }
  return out;
}

}  // namespace

const Command* find_command(std::string_view name) {
  for (const Command& c : commands()) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

const Option* find_option(const Command& command, std::string_view flag) {
  for (const Option& o : command.options) {
    if (o.flag == flag) return &o;
  }
  return nullptr;
}

std::string synopsis(const Command& command) { return synopsis_after(command, ""); }

std::string synopsis_after(const Command& command, std::string_view prefix) {
  // '\x01' keeps "[--flag VALUE]" on one line when filling; it becomes a space afterwards.
  std::string text;
  for (const Option& o : command.options) {
    std::string usage = option_usage(o);
    std::replace(usage.begin(), usage.end(), ' ', '\x01');
    text += (text.empty() ? "[" : " [") + usage + "]" + (o.repeatable ? "..." : "");
  }
  if (!command.operand.empty()) text += (text.empty() ? "" : " ") + std::string(command.operand);
  const std::string head = std::string(prefix) + "llmon " + std::string(command.name);
  std::ostringstream out;
  out << head << (text.empty() ? "" : " ");
  fill(out, text, head.size() + 1, head.size() + 1);
  std::string s = out.str();
  std::replace(s.begin(), s.end(), '\x01', ' ');
  return s;
}

std::string general_text() {
  std::ostringstream out;
  out << "usage: llmon COMMAND [OPTION]...\n\n";
  fill(out, description(), 0, 0);
  out << "\ncommands:\n";
  for (const Command& c : commands()) {
    std::string head = "  " + std::string(c.name);
    if (!c.operand.empty()) head += " " + std::string(c.operand);
    head.resize(std::max(head.size() + 2, kCommandColumn), ' ');
    out << head;
    fill(out, c.summary, head.size(), kCommandColumn);
  }
  out << "\n  llmon COMMAND --help  that command's options, defaults and exit status\n"
      << "  llmon --version       print the version\n"
      << "  llmon --help          print this help\n"
      << "\nfiles:\n";
  for (const File& f : files()) {
    std::string head = "  " + std::string(f.path);
    head.resize(std::max(head.size() + 2, kFileColumn), ' ');
    out << head;
    fill(out, f.text, head.size(), kFileColumn);
  }
  return out.str();
}

std::string command_text(const Command& command) {
  std::ostringstream out;
  out << synopsis_after(command, "usage: ") << "\n";
  for (std::string_view p : paragraphs(command.description)) {
    fill(out, p, 0, 0);
    out << "\n";
  }
  if (!command.operand.empty() || !command.options.empty()) out << "options:\n";
  for (const Option& o : command.options) {
    std::string head = "  " + option_usage(o);
    if (head.size() + 2 > kOptionColumn) {
      out << head << "\n";
      head.clear();
    }
    head.resize(kOptionColumn, ' ');
    out << head;
    fill(out, option_text(o), kOptionColumn, kOptionColumn);
  }
  out << "  --help                print this help\n";
  out << "\nexit status:\n";
  for (const ExitCode& e : command.exit_codes) {
    std::string head = "  " + std::to_string(e.code) + "  ";
    out << head;
    fill(out, e.meaning, head.size(), head.size());
  }
  return out.str();
}

std::string man_page(std::string_view version) {
  std::ostringstream out;
  // .nh: no hyphenation, so option names and metric names are never split.
  out << ".TH LLMON 1 \"\" \"llmon " << roff(version) << "\" \"User Commands\"\n.nh\n"
      << ".SH NAME\nllmon \\- Prometheus exporter for local LLM inference boxes (AMD GPU, "
         "Ollama)\n"
      << ".SH SYNOPSIS\n";
  bool first = true;
  for (const Command& c : commands()) {
    if (!first) out << ".br\n";
    first = false;
    out << ".B llmon " << roff(c.name) << "\n";
    for (const Option& o : c.options) {
      out << "[\\fB" << roff(o.flag) << "\\fR";
      if (!o.value.empty()) out << " \\fI" << roff(o.value) << "\\fR";
      out << "]" << (o.repeatable ? "..." : "") << "\n";
    }
    if (!c.operand.empty()) out << ".I " << roff(c.operand) << "\n";
  }
  out << ".br\n.B llmon \\-\\-version\n.br\n.B llmon \\-\\-help\n"
      << ".SH DESCRIPTION\n"
      << roff(description()) << "\n"
      << ".PP\nEach command also takes \\fB\\-\\-help\\fR, which prints its options, defaults "
         "and exit status.\n"
      << ".SH COMMANDS\n";
  for (const Command& c : commands()) {
    out << ".SS \"llmon " << roff(c.name) << (c.operand.empty() ? "" : " ") << roff(c.operand)
        << "\"\n";
    bool first_paragraph = true;
    for (std::string_view p : paragraphs(c.description)) {
      if (!first_paragraph) out << ".PP\n";
      first_paragraph = false;
      out << roff(p) << "\n";
    }
    for (const Option& o : c.options) {
      out << ".TP\n\\fB" << roff(o.flag) << "\\fR";
      if (!o.value.empty()) out << " \\fI" << roff(o.value) << "\\fR";
      out << "\n" << roff(option_text(o)) << "\n";
    }
    out << ".PP\nExit status:\n.RS\n.PD 0\n";
    for (const ExitCode& e : c.exit_codes) {
      out << ".TP 4\n.B " << e.code << "\n" << roff(e.meaning) << "\n";
    }
    out << ".PD\n.RE\n";
  }
  out << ".SH FILES\n";
  for (const File& f : files()) out << ".TP\n.I " << roff(f.path) << "\n" << roff(f.text) << "\n";
  out << ".SH SEE ALSO\n"
      << ".BR systemctl (1),\n.BR systemd.service (5),\n.BR prometheus (1)\n"
      << ".PP\nThe documentation in /usr/share/doc/llmon: configuration.md (every key), "
         "metrics.md (every metric), deployment.md (the systemd unit and its hardening).\n";
  return out.str();
}

}  // namespace llmon::help
