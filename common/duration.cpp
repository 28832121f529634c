#include "common/duration.hpp"

#include <cctype>
#include <cstdint>
#include <limits>

namespace llmon {

namespace {

// Milliseconds per unit; longest suffix first so "ms" wins over "m".
struct Unit {
  std::string_view suffix;
  std::int64_t ms;
};
constexpr Unit kUnits[] = {
    {"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}, {"d", 86'400'000}};

}  // namespace

Expected<Duration> parse_duration(std::string_view text) {
  const std::string quoted = "\"" + std::string(text) + "\"";
  if (text.empty()) return make_error("empty duration (expected e.g. \"5s\", \"250ms\", \"15m\")");
  std::int64_t total = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) {
      return make_error("invalid duration " + quoted +
                        " (expected <number><unit> with unit ms, s, m, h or d, e.g. \"5s\")");
    }
    std::int64_t number = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      const int digit = text[i] - '0';
      if (number > (std::numeric_limits<std::int64_t>::max() - digit) / 10) {
        return make_error("duration " + quoted + " is too large");
      }
      number = number * 10 + digit;
      ++i;
    }
    if (i == text.size()) {
      return make_error("duration " + quoted + " has no unit (write e.g. \"" +
                        std::to_string(number) + "s\")");
    }
    const Unit* unit = nullptr;
    for (const Unit& u : kUnits) {
      if (text.substr(i, u.suffix.size()) == u.suffix) {
        unit = &u;
        break;
      }
    }
    if (unit == nullptr) {
      return make_error("invalid unit in duration " + quoted + " (expected ms, s, m, h or d)");
    }
    i += unit->suffix.size();
    if (number > std::numeric_limits<std::int64_t>::max() / unit->ms ||
        total > std::numeric_limits<std::int64_t>::max() - number * unit->ms) {
      return make_error("duration " + quoted + " is too large");
    }
    total += number * unit->ms;
  }
  return Duration(total);
}

std::string format_duration(Duration d) {
  std::int64_t ms = d.count();
  if (ms == 0) return "0s";
  std::string out;
  if (ms < 0) {
    out = "-";
    ms = -ms;
  }
  if (ms % 1000 != 0) return out + std::to_string(ms) + "ms";
  std::int64_t s = ms / 1000;
  const std::int64_t h = s / 3600;
  s %= 3600;
  const std::int64_t m = s / 60;
  s %= 60;
  if (h) out += std::to_string(h) + "h";
  if (m) out += std::to_string(m) + "m";
  if (s) out += std::to_string(s) + "s";
  return out;
}

}  // namespace llmon
