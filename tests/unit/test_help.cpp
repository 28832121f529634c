#include <doctest/doctest.h>

#include <map>
#include <sstream>

#include "daemon/config.hpp"
#include "daemon/help.hpp"
#include "daemon/options.hpp"

using namespace llmon;
using Cmd = Options::Command;

namespace {

// A valid value for each placeholder used in the help tables.
const std::map<std::string_view, std::string> kSamples = {
    {"FILE", "/tmp/x.toml"},
    {"HOST:PORT", "127.0.0.1:1"},
    {"LEVEL", "debug"},
    {"URL", "127.0.0.1:2"},
    {"M", "m:1b"},
    {"NAME", "p"},
    {"N", "3"},
    {"FORMAT", "json"},
};

bool contains(const std::string& text, std::string_view what) {
  return text.find(what) != std::string::npos;
}

// Text as a reader sees it, whatever the line wrapping: runs of blanks become one space.
std::string squash(std::string_view text) {
  std::string out;
  for (char c : text) {
    const bool blank = c == ' ' || c == '\n';
    if (blank && (out.empty() || out.back() == ' ')) continue;
    out += blank ? ' ' : c;
  }
  return out;
}

}  // namespace

TEST_CASE("help: every option a table lists is accepted by the parser, in both spellings") {
  for (const help::Command& c : help::commands()) {
    for (const help::Option& o : c.options) {
      CAPTURE(c.name);
      CAPTURE(o.flag);
      std::vector<std::string> separate{std::string(c.name), std::string(o.flag)};
      std::vector<std::string> joined{std::string(c.name)};
      if (!o.value.empty()) {
        REQUIRE(kSamples.count(o.value) == 1);
        separate.push_back(kSamples.at(o.value));
        joined.push_back(std::string(o.flag) + "=" + kSamples.at(o.value));
      } else {
        joined.push_back(std::string(o.flag));
      }
      if (!c.operand.empty()) {
        separate.push_back("operand");
        joined.push_back("operand");
      }
      auto a = parse_options(separate);
      auto b = parse_options(joined);
      CHECK_MESSAGE(a.ok(), (a.ok() ? "" : a.error().message));
      CHECK_MESSAGE(b.ok(), (b.ok() ? "" : b.error().message));
      if (a.ok()) CHECK(a->command != Cmd::kHelp);
    }
  }
}

TEST_CASE("help: an option another command has is refused, with a pointer to the help") {
  auto serve = parse_options({"serve", "--model", "x"});
  REQUIRE_FALSE(serve.ok());
  CHECK(serve.error().message == "unknown option '--model' for serve (see llmon serve --help)");
  CHECK_FALSE(parse_options({"collect", "--listen", "x"}).ok());
  CHECK(parse_options({"bench", "--allow-load=yes"}).error().message ==
        "option --allow-load takes no value");
}

TEST_CASE("help: COMMAND --help and help COMMAND print that command's page") {
  for (const help::Command& c : help::commands()) {
    CAPTURE(c.name);
    for (auto args : {std::vector<std::string>{std::string(c.name), "--help"},
                      std::vector<std::string>{"help", std::string(c.name)},
                      std::vector<std::string>{std::string(c.name), "-h"}}) {
      auto o = parse_options(args);
      REQUIRE(o.ok());
      CHECK(o->command == Cmd::kHelp);
      const std::string text = help_text(*o);
      const std::string flat = squash(text);
      CHECK(contains(text, "usage: llmon " + std::string(c.name)));
      for (const help::Option& opt : c.options) {
        CHECK(contains(text, "  " + std::string(opt.flag)));
        CHECK(contains(flat, squash(opt.text)));
        if (!opt.default_text.empty()) {
          CHECK(contains(flat, "(default: " + squash(opt.default_text) + ")"));
        }
      }
      CHECK(contains(text, "exit status:"));
      for (const help::ExitCode& e : c.exit_codes) {
        CHECK(contains(text, "  " + std::to_string(e.code) + "  "));
      }
    }
  }
  CHECK_FALSE(parse_options({"help", "frobnicate"}).ok());
}

TEST_CASE("help: llmon --help lists every command and how to get its page") {
  const std::string text = help_text(*parse_options({"--help"}));
  for (const help::Command& c : help::commands()) {
    CHECK(contains(text, "  " + std::string(c.name)));
    CHECK(contains(text, std::string(c.summary.substr(0, 30))));
  }
  CHECK(contains(text, "llmon COMMAND --help"));
}

TEST_CASE("help: every line fits 79 columns") {
  std::vector<std::string> texts{help::general_text()};
  for (const help::Command& c : help::commands()) texts.push_back(help::command_text(c));
  for (const std::string& text : texts) {
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
      CAPTURE(line);
      CHECK(line.size() <= 79);
      CHECK((line.empty() || line.back() != ' '));
    }
  }
}

TEST_CASE("help: the defaults it states are the configuration's defaults") {
  const Config defaults;
  auto default_of = [](std::string_view command, std::string_view flag) {
    return std::string(help::find_option(*help::find_command(command), flag)->default_text);
  };
  for (std::string_view command : {"serve", "collect", "bench", "doctor"}) {
    CHECK(contains(default_of(command, "--config"), kDefaultConfigPath));
  }
  CHECK(contains(default_of("serve", "--listen"), "built in " + defaults.web.listen));
  CHECK(contains(default_of("serve", "--log-level"), "built in " + defaults.log.level));
  CHECK(contains(default_of("bench", "--ollama"), "built in " + defaults.ollama.front().url));
  CHECK(default_of("bench", "--runs") == std::to_string(Options{}.runs));
  for (std::string_view command : {"bench", "doctor"}) {
    CHECK(default_of(command, "--format") == parse_options({std::string(command)})->format);
  }
}

TEST_CASE("help: the manual page is roff built from the same tables") {
  const std::string man = help::man_page("1.2.3");
  CHECK(man.rfind(".TH LLMON 1 \"\" \"llmon 1.2.3\"", 0) == 0);
  for (std::string_view section : {".SH NAME\n", ".SH SYNOPSIS\n", ".SH DESCRIPTION\n",
                                   ".SH COMMANDS\n", ".SH FILES\n", ".SH SEE ALSO\n"}) {
    CHECK(contains(man, section));
  }
  auto escaped = [](std::string_view text) {
    std::string out;
    for (char ch : text) out += ch == '-' ? std::string("\\-") : std::string(1, ch);
    return out;
  };
  for (const help::Command& c : help::commands()) {
    CHECK(contains(man, ".SS \"llmon " + escaped(c.name)));
    for (const help::Option& o : c.options) {
      CHECK(contains(man, ".TP\n\\fB" + escaped(o.flag) + "\\fR"));
      CHECK(contains(squash(man), squash(escaped(o.text))));
    }
  }
  // Every '-' is escaped (a bare one is a hyphen that man may render as U+2010) and no text
  // line starts with a control character.
  std::istringstream in(man);
  std::string line;
  while (std::getline(in, line)) {
    CAPTURE(line);
    for (std::size_t i = 0; i < line.size(); ++i) {
      if (line[i] == '-') CHECK((i > 0 && line[i - 1] == '\\'));
    }
  }
  CHECK(parse_options({"--help-man"})->command == Cmd::kManPage);
  CHECK_FALSE(contains(help::general_text(), "--help-man"));
}
