#include <doctest/doctest.h>

#include "daemon/options.hpp"

using namespace llmon;
using Cmd = Options::Command;

TEST_CASE("command line: serve with every option, both spellings") {
  auto o = parse_options(
      {"serve", "--config", "/etc/x.toml", "--listen=127.0.0.1:1", "--log-level", "debug"});
  REQUIRE(o.ok());
  CHECK(o->command == Cmd::kServe);
  CHECK(*o->config_path == "/etc/x.toml");
  CHECK(*o->listen == "127.0.0.1:1");
  CHECK(*o->log_level == "debug");
}

TEST_CASE("command line: check-config, collect, version, help") {
  CHECK(parse_options({"check-config", "f.toml"})->command == Cmd::kCheckConfig);
  CHECK(*parse_options({"check-config", "f.toml"})->config_path == "f.toml");
  CHECK(parse_options({"collect"})->command == Cmd::kCollect);
  CHECK(*parse_options({"collect", "--config=a"})->config_path == "a");
  CHECK_FALSE(parse_options({"collect"})->bench);
  CHECK(parse_options({"collect", "--bench"})->bench);
  CHECK_FALSE(parse_options({"serve", "--bench"}).ok());
  CHECK(parse_options({"--version"})->command == Cmd::kVersion);
  CHECK(parse_options({"--help"})->command == Cmd::kHelp);
  CHECK(parse_options({"serve", "--help"})->command == Cmd::kHelp);
}

TEST_CASE("command line: mistakes are errors naming the culprit") {
  CHECK(parse_options({}).error().message == "no command given");
  CHECK(parse_options({"srve"}).error().message == "unknown command 'srve'");
  CHECK(parse_options({"--verbose"}).error().message == "unknown option '--verbose'");
  CHECK(parse_options({"serve", "--lisen", "x"}).error().message.find("'--lisen'") !=
        std::string::npos);
  CHECK(parse_options({"serve", "--config"}).error().message == "option --config needs a value");
  CHECK_FALSE(parse_options({"check-config"}).ok());
  CHECK_FALSE(parse_options({"check-config", "a", "b"}).ok());
  CHECK_FALSE(parse_options({"collect", "--listen", "x"}).ok());
  CHECK_FALSE(parse_options({"--version", "x"}).ok());
}

TEST_CASE("command line: doctor takes text or json, bench its own formats") {
  CHECK(parse_options({"doctor"})->command == Cmd::kDoctor);
  CHECK(parse_options({"doctor"})->format == "text");
  CHECK(parse_options({"doctor", "--format", "json"})->format == "json");
  CHECK(*parse_options({"doctor", "--config=d.toml"})->config_path == "d.toml");
  auto csv = parse_options({"doctor", "--format=csv"});
  REQUIRE_FALSE(csv.ok());
  CHECK(csv.error().message.find("text or json") != std::string::npos);
  CHECK_FALSE(parse_options({"doctor", "--model", "m"}).ok());
  CHECK(parse_options({"bench"})->format == "table");
  CHECK_FALSE(parse_options({"bench", "--format", "text"}).ok());
}
