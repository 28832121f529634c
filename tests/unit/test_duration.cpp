#include <doctest/doctest.h>

#include "common/duration.hpp"

using namespace llmon;
using namespace std::chrono_literals;

TEST_CASE("durations: every unit and combinations parse") {
  CHECK(*parse_duration("250ms") == 250ms);
  CHECK(*parse_duration("5s") == 5s);
  CHECK(*parse_duration("15m") == 15min);
  CHECK(*parse_duration("1h") == 1h);
  CHECK(*parse_duration("1d") == 24h);
  CHECK(*parse_duration("1h30m") == 90min);
  CHECK(*parse_duration("2m500ms") == 120500ms);
  CHECK(*parse_duration("0s") == 0ms);
}

TEST_CASE("durations: a bare number is an error that says so") {
  auto d = parse_duration("5");
  REQUIRE_FALSE(d.ok());
  CHECK(d.error().message.find("no unit") != std::string::npos);
  CHECK(d.error().message.find("\"5s\"") != std::string::npos);
}

TEST_CASE("durations: malformed input is rejected, never misread") {
  for (const char* bad : {"", "s", "-5s", "5 s", "5sec", "1.5s", "5S", "5s ", "h1", "5mss"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_duration(bad).ok());
  }
  auto huge = parse_duration("99999999999999999999h");
  REQUIRE_FALSE(huge.ok());
  CHECK(huge.error().message.find("too large") != std::string::npos);
  CHECK_FALSE(parse_duration("9223372036854775807h").ok());
}

TEST_CASE("durations: formatting round-trips") {
  CHECK(format_duration(0ms) == "0s");
  CHECK(format_duration(1500ms) == "1500ms");
  CHECK(format_duration(90s) == "1m30s");
  CHECK(format_duration(2h) == "2h");
  for (const char* text : {"250ms", "5s", "15m", "1h", "1h30m", "26h"}) {
    CAPTURE(text);
    CHECK(*parse_duration(format_duration(*parse_duration(text))) == *parse_duration(text));
  }
}
