#include "common/number_format.hpp"

#include <boost/json/serialize.hpp>
#include <charconv>
#include <cmath>

namespace llmon {

namespace json = boost::json;

namespace {

// Integers a double holds exactly are written in full: byte and hertz values stay greppable
// ("1000000000", not "1e+09"); Prometheus parses both.
constexpr double kExactIntegers = 9007199254740992.0;  // 2^53

void append_number(std::string& out, double value) {
  char buf[400];  // more than the longest fixed form below 2^53 or any shortest form
  const bool whole = std::abs(value) < kExactIntegers && std::trunc(value) == value;
  const auto result = whole ? std::to_chars(buf, buf + sizeof buf, value, std::chars_format::fixed)
                            : std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, result.ptr);
}

void append_json(std::string& out, const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      out += "null";
      return;
    case json::kind::bool_:
      out += v.get_bool() ? "true" : "false";
      return;
    case json::kind::int64:
      out += std::to_string(v.get_int64());
      return;
    case json::kind::uint64:
      out += std::to_string(v.get_uint64());
      return;
    case json::kind::double_:
      if (std::isfinite(v.get_double())) {
        append_number(out, v.get_double());
      } else {
        out += "null";
      }
      return;
    case json::kind::string:
      out += json::serialize(v.get_string());
      return;
    case json::kind::array: {
      out += '[';
      bool first = true;
      for (const json::value& element : v.get_array()) {
        if (!first) out += ',';
        first = false;
        append_json(out, element);
      }
      out += ']';
      return;
    }
    case json::kind::object: {
      out += '{';
      bool first = true;
      for (const auto& member : v.get_object()) {
        if (!first) out += ',';
        first = false;
        out += json::serialize(json::string_view(member.key()));
        out += ':';
        append_json(out, member.value());
      }
      out += '}';
      return;
    }
  }
}

}  // namespace

std::string format_number(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value < 0 ? "-Inf" : "+Inf";
  std::string out;
  append_number(out, value);
  return out;
}

std::string json_text(const json::value& value) {
  std::string out;
  append_json(out, value);
  return out;
}

}  // namespace llmon
