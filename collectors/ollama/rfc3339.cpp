#include <cctype>
#include <cstdint>

#include "collectors/ollama/api.hpp"

namespace llmon::ollama {

namespace {

// Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (H. Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool is_leap(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}
  bool digits(std::size_t n, int& out) {
    if (i_ + n > s_.size()) return false;
    int v = 0;
    for (std::size_t k = 0; k < n; ++k) {
      const char c = s_[i_ + k];
      if (!std::isdigit(static_cast<unsigned char>(c))) return false;
      v = v * 10 + (c - '0');
    }
    i_ += n;
    out = v;
    return true;
  }
  bool literal(char c) {
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  char peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
  void skip() { ++i_; }
  bool done() const { return i_ == s_.size(); }

 private:
  std::string_view s_;
  std::size_t i_ = 0;
};

}  // namespace

Expected<double> parse_rfc3339(std::string_view text) {
  const auto bad = [&](const char* why) {
    return make_error("invalid RFC 3339 time \"" + std::string(text.substr(0, 64)) + "\": " + why);
  };
  Cursor c(text);
  int year, month, day, hour, minute, second;
  if (!c.digits(4, year) || !c.literal('-') || !c.digits(2, month) || !c.literal('-') ||
      !c.digits(2, day)) {
    return bad("expected YYYY-MM-DD");
  }
  const char t = c.peek();
  if (t != 'T' && t != 't' && t != ' ') return bad("expected 'T' after the date");
  c.skip();
  if (!c.digits(2, hour) || !c.literal(':') || !c.digits(2, minute) || !c.literal(':') ||
      !c.digits(2, second)) {
    return bad("expected hh:mm:ss");
  }
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (year < 1 || month < 1 || month > 12 || day < 1 ||
      day > kDays[month - 1] + (month == 2 && is_leap(year) ? 1 : 0) || hour > 23 || minute > 59 ||
      second > 60) {
    return bad("field out of range");
  }
  double fraction = 0;
  if (c.literal('.')) {
    double scale = 0.1;
    int digit;
    int count = 0;
    while (c.digits(1, digit)) {
      fraction += digit * scale;
      scale /= 10;
      ++count;
    }
    if (count == 0 || count > 9) return bad("expected 1 to 9 fraction digits");
  }
  int offset_seconds = 0;
  if (c.literal('Z') || c.literal('z')) {
    offset_seconds = 0;
  } else if (c.peek() == '+' || c.peek() == '-') {
    const int sign = c.peek() == '-' ? -1 : 1;
    c.skip();
    int oh, om;
    if (!c.digits(2, oh) || !c.literal(':') || !c.digits(2, om) || oh > 23 || om > 59) {
      return bad("expected a zone offset ±hh:mm");
    }
    offset_seconds = sign * (oh * 3600 + om * 60);
  } else {
    return bad("expected a zone (Z or ±hh:mm)");
  }
  if (!c.done()) return bad("unexpected characters after the zone");
  const std::int64_t days =
      days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  const std::int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset_seconds;
  return static_cast<double>(seconds) + fraction;
}

}  // namespace llmon::ollama
