#pragma once
// The command-line reference: one table per command (help_commands.cpp), rendered as
// `llmon --help`, `llmon COMMAND --help` and the llmon(1) manual page, so the three never
// disagree and the parser accepts exactly the options listed. Constant data; thread-safe.
#include <span>
#include <string>
#include <string_view>

namespace llmon::help {

struct Option {
  std::string_view flag;          // "--config"
  std::string_view value;         // placeholder such as "FILE"; empty for a switch
  std::string_view text;          // what it does
  std::string_view default_text;  // "" when there is nothing to default
  bool repeatable = false;
};

struct ExitCode {
  int code;
  std::string_view meaning;
};

struct Command {
  std::string_view name;         // "serve"
  std::string_view operand;      // positional argument such as "FILE"; empty for none
  std::string_view summary;      // one line for `llmon --help`
  std::string_view description;  // paragraphs separated by a blank line
  std::span<const Option> options;
  std::span<const ExitCode> exit_codes;
};

struct File {
  std::string_view path;
  std::string_view text;
};

// What llmon is, for `llmon --help` and the manual's DESCRIPTION.
std::string_view description();
// Files llmon reads or writes by default.
std::span<const File> files();
// Every command, in the order `llmon --help` lists them.
std::span<const Command> commands();
const Command* find_command(std::string_view name);
const Option* find_option(const Command& command, std::string_view flag);

// "llmon serve [--config FILE] ..." (wrapped, continuation lines indented).
std::string synopsis(const Command& command);
// The same, after `prefix` ("usage: ") on the first line, wrapped to fit with it.
std::string synopsis_after(const Command& command, std::string_view prefix);
// `llmon --help`: the commands and where to read more.
std::string general_text();
// `llmon COMMAND --help`: synopsis, description, options with defaults, exit status.
std::string command_text(const Command& command);
// llmon(1) in man(7) roff, from the same tables.
std::string man_page(std::string_view version);

}  // namespace llmon::help
