#include "go_time.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace fake_ollama {

namespace {

constexpr std::int64_t kSecondsPerDay = 86'400;

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

struct Civil {
  int year;
  unsigned month, day, hour, minute, second, weekday;  // weekday 0 = Sunday
};

Civil civil_from_unix(std::int64_t seconds) {
  using namespace std::chrono;
  const std::int64_t days = floor_div(seconds, kSecondsPerDay);
  const std::int64_t in_day = seconds - days * kSecondsPerDay;
  const sys_days day{std::chrono::days{days}};
  const year_month_day ymd{day};
  return Civil{static_cast<int>(ymd.year()),
               static_cast<unsigned>(ymd.month()),
               static_cast<unsigned>(ymd.day()),
               static_cast<unsigned>(in_day / 3600),
               static_cast<unsigned>(in_day / 60 % 60),
               static_cast<unsigned>(in_day % 60),
               weekday{day}.c_encoding()};
}

std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

// Go's unitMap, in nanoseconds.
std::optional<std::uint64_t> unit_nanos(std::string_view unit) {
  if (unit == "ns") return 1;
  if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") return 1'000;
  if (unit == "ms") return 1'000'000;
  if (unit == "s") return 1'000'000'000;
  if (unit == "m") return 60ull * 1'000'000'000;
  if (unit == "h") return 3600ull * 1'000'000'000;
  return std::nullopt;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

WallTime wall_now() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return WallTime{static_cast<std::int64_t>(ts.tv_sec), static_cast<std::int32_t>(ts.tv_nsec)};
}

WallTime add(WallTime t, Nanos d) {
  std::int64_t seconds = t.unix_seconds + d / kNanosPerSecond;
  std::int64_t nanos = t.nanos + d % kNanosPerSecond;
  if (nanos >= kNanosPerSecond) {
    nanos -= kNanosPerSecond;
    ++seconds;
  } else if (nanos < 0) {
    nanos += kNanosPerSecond;
    --seconds;
  }
  return WallTime{seconds, static_cast<std::int32_t>(nanos)};
}

std::string format_rfc3339_nano(WallTime t, int utc_offset_seconds) {
  const Civil c = civil_from_unix(t.unix_seconds + utc_offset_seconds);
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02u:%02u:%02u", c.year, c.month, c.day,
                        c.hour, c.minute, c.second);
  std::string out(buf, static_cast<std::size_t>(n));
  if (t.nanos != 0) {
    std::snprintf(buf, sizeof buf, ".%09d", t.nanos);
    std::string fraction(buf);
    while (fraction.back() == '0') fraction.pop_back();
    out += fraction;
  }
  if (utc_offset_seconds == 0) return out + "Z";
  const int abs_minutes = std::abs(utc_offset_seconds) / 60;
  std::snprintf(buf, sizeof buf, "%c%02d:%02d", utc_offset_seconds < 0 ? '-' : '+',
                abs_minutes / 60, abs_minutes % 60);
  return out + buf;
}

int local_utc_offset(WallTime t) {
  const std::time_t seconds = static_cast<std::time_t>(t.unix_seconds);
  std::tm local{};
  if (localtime_r(&seconds, &local) == nullptr) return 0;
  return static_cast<int>(local.tm_gmtoff);
}

std::optional<int> parse_utc_offset(std::string_view text) {
  if (text == "Z" || text == "z") return 0;
  if (text.size() != 6 || (text[0] != '+' && text[0] != '-') || text[3] != ':') {
    return std::nullopt;
  }
  for (std::size_t i : {1u, 2u, 4u, 5u}) {
    if (!is_digit(text[i])) return std::nullopt;
  }
  const int hours = (text[1] - '0') * 10 + (text[2] - '0');
  const int minutes = (text[4] - '0') * 10 + (text[5] - '0');
  if (hours > 23 || minutes > 59) return std::nullopt;
  const int seconds = hours * 3600 + minutes * 60;
  return text[0] == '-' ? -seconds : seconds;
}

std::string format_http_date(WallTime t) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const Civil c = civil_from_unix(t.unix_seconds);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02u %s %04d %02u:%02u:%02u GMT", kDays[c.weekday], c.day,
                kMonths[c.month - 1], c.year, c.hour, c.minute, c.second);
  return buf;
}

std::optional<Nanos> parse_go_duration(std::string_view text, std::string* error) {
  const std::string_view orig = text;
  auto fail = [&](std::string message) -> std::optional<Nanos> {
    if (error != nullptr) *error = std::move(message);
    return std::nullopt;
  };
  auto invalid = [&] { return fail("time: invalid duration " + quoted(orig)); };

  bool negative = false;
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  if (text == "0") return 0;
  if (text.empty()) return invalid();

  constexpr std::uint64_t kLimit = 1ull << 63;
  std::uint64_t total = 0;
  while (!text.empty()) {
    if (!(text[0] == '.' || is_digit(text[0]))) return invalid();
    std::uint64_t whole = 0;
    std::size_t i = 0;
    for (; i < text.size() && is_digit(text[i]); ++i) {
      if (whole > (kLimit - 1) / 10) return invalid();
      whole = whole * 10 + static_cast<std::uint64_t>(text[i] - '0');
      if (whole > kLimit) return invalid();
    }
    const bool had_whole = i > 0;
    text.remove_prefix(i);
    std::uint64_t fraction = 0;
    double scale = 1;
    bool had_fraction = false;
    if (!text.empty() && text[0] == '.') {
      text.remove_prefix(1);
      std::size_t j = 0;
      bool overflow = false;
      for (; j < text.size() && is_digit(text[j]); ++j) {
        if (overflow) continue;
        if (fraction > (kLimit - 1) / 10) {
          overflow = true;  // like Go, further digits are ignored
          continue;
        }
        fraction = fraction * 10 + static_cast<std::uint64_t>(text[j] - '0');
        scale *= 10;
      }
      had_fraction = j > 0;
      text.remove_prefix(j);
    }
    if (!had_whole && !had_fraction) return invalid();
    std::size_t k = 0;
    while (k < text.size() && text[k] != '.' && !is_digit(text[k])) ++k;
    if (k == 0) return fail("time: missing unit in duration " + quoted(orig));
    const std::string_view unit_text = text.substr(0, k);
    text.remove_prefix(k);
    const auto unit = unit_nanos(unit_text);
    if (!unit) {
      return fail("time: unknown unit " + quoted(unit_text) + " in duration " + quoted(orig));
    }
    if (whole > kLimit / *unit) return invalid();
    std::uint64_t value = whole * *unit;
    if (fraction > 0) {
      value += static_cast<std::uint64_t>(static_cast<double>(fraction) *
                                          (static_cast<double>(*unit) / scale));
      if (value > kLimit) return invalid();
    }
    total += value;
    if (total > kLimit) return invalid();
  }
  if (negative) {
    return total == kLimit ? INT64_MIN : -static_cast<Nanos>(total);
  }
  if (total > kLimit - 1) return invalid();
  return static_cast<Nanos>(total);
}

Nanos keep_alive_from_seconds(double seconds) {
  if (seconds < 0) return kForever;
  const double nanos = seconds * static_cast<double>(kNanosPerSecond);
  if (!(nanos < 9.2e18)) return kForever;  // also NaN: Go's conversion would be undefined
  return static_cast<Nanos>(nanos);
}

std::optional<Nanos> keep_alive_from_string(std::string_view text, std::string* error) {
  const auto parsed = parse_go_duration(text, error);
  if (!parsed) return std::nullopt;
  return *parsed < 0 ? kForever : *parsed;
}

}  // namespace fake_ollama
