// The text exposition writer: numbers in their shortest round-trip form (format_number), and
// HELP texts and label values escaped so that a Prometheus parser reads back exactly what was
// written, one sample per line. Also json_text, the JSON printer built on format_number.
// Input: 8 bytes of a double's bits, then the HELP text and a label value separated by a NUL.
#include "exporters/text_format.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <charconv>
#include <cmath>
#include <cstring>
#include <vector>

#include "common/number_format.hpp"
#include "tests/fuzz/fuzz.hpp"

namespace {

using llmon::fuzz::check;

// The number a Prometheus parser reads from `text` (Go's strconv.ParseFloat plus the
// exposition's "+Inf", "-Inf" and "NaN").
double read_number(std::string_view text) {
  if (text == "+Inf") return HUGE_VAL;
  if (text == "-Inf") return -HUGE_VAL;
  if (text == "NaN") return NAN;
  double value = 0;
  const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
  check(result.ec == std::errc() && result.ptr == text.data() + text.size(),
        "a number is plain decimal or exponent notation");
  return value;
}

void check_number(double value) {
  const std::string text = llmon::format_number(value);
  check(!text.empty() && text.size() <= 32, "a number is short");
  const double back = read_number(text);
  if (std::isnan(value)) {
    check(std::isnan(back), "NaN reads back as NaN");
  } else {
    check(std::memcmp(&back, &value, sizeof value) == 0, "format_number round-trips exactly");
  }
  if (std::isfinite(value) && std::abs(value) < 9007199254740992.0 && std::trunc(value) == value) {
    check(text.find_first_of(".e") == std::string::npos, "whole numbers below 2^53 in full");
  }
}

// Undoes the exposition's escapes: \\ and \n, and in label values also \".
std::string unescape(std::string_view text, bool label, std::size_t& consumed) {
  std::string out;
  std::size_t i = 0;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (label && c == '"') break;
    check(c != '\n', "no raw newline inside a HELP text or label value");
    if (c != '\\') {
      out += c;
      continue;
    }
    check(i + 1 < text.size(), "an escape is complete");
    const char e = text[++i];
    if (e == '\\') {
      out += '\\';
    } else if (e == 'n') {
      out += '\n';
    } else {
      check(label && e == '"', "only \\\\, \\n (and \\\" in labels) are escapes");
      out += '"';
    }
  }
  consumed = i;
  return out;
}

std::string_view take_line(std::string_view& text) {
  const auto end = text.find('\n');
  check(end != std::string_view::npos, "every line ends in a newline");
  const std::string_view line = text.substr(0, end);
  text.remove_prefix(end + 1);
  return line;
}

void check_exposition(double value, const std::string& help, const std::string& label) {
  prometheus::MetricFamily family;
  family.name = "llmon_fuzz";
  family.help = help;
  family.type = prometheus::MetricType::Gauge;
  prometheus::ClientMetric metric;
  metric.label.push_back({"l", label});
  metric.gauge.value = value;
  family.metric.push_back(metric);
  const std::string text = llmon::render_text({family});

  std::string_view rest = text;
  std::size_t consumed = 0;
  if (!help.empty()) {
    std::string_view line = take_line(rest);
    constexpr std::string_view kHelp = "# HELP llmon_fuzz ";
    check(line.substr(0, kHelp.size()) == kHelp, "the HELP line comes first");
    line.remove_prefix(kHelp.size());
    check(unescape(line, false, consumed) == help && consumed == line.size(),
          "the HELP text reads back as written");
  }
  check(take_line(rest) == "# TYPE llmon_fuzz gauge", "then the TYPE line");
  std::string_view sample = take_line(rest);
  check(rest.empty(), "one line per sample");
  constexpr std::string_view kSample = "llmon_fuzz{l=\"";
  check(sample.substr(0, kSample.size()) == kSample, "the sample names its label");
  sample.remove_prefix(kSample.size());
  check(unescape(sample, true, consumed) == label, "the label value reads back as written");
  sample.remove_prefix(consumed);
  check(sample.substr(0, 3) == "\"} ", "the label value ends at its closing quote");
  sample.remove_prefix(3);
  const double back = read_number(sample);
  check(std::isnan(value) ? std::isnan(back) : back == value, "the sample value reads back");
}

// Numbers agree to 12 digits: Boost.JSON 1.81 does not read decimal text to the nearest double
// ("-9.227203685477583e+29" comes back 10 ulps off), which is not json_text's doing: its digits
// read back exactly with from_chars (check_number). A whole double may come back as an integer
// ("1e15" is printed "1000000000000000"), and an infinite one (Boost reads "1e999" as one) as
// null, which JSON has instead.
bool same_json(const boost::json::value& a, const boost::json::value& b) {
  if (a.is_double() && !std::isfinite(a.get_double())) return b.is_null();  // "1e999": null
  if (a.is_number() && b.is_number()) {
    const double x = a.to_number<double>(), y = b.to_number<double>();
    return x == y || std::abs(x - y) <= 1e-12 * std::max(std::abs(x), std::abs(y));
  }
  if (a.kind() != b.kind()) return false;
  if (a.is_array()) {
    const auto &x = a.get_array(), &y = b.get_array();
    if (x.size() != y.size()) return false;
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (!same_json(x[i], y[i])) return false;
    }
    return true;
  }
  if (a.is_object()) {
    const auto &x = a.get_object(), &y = b.get_object();
    if (x.size() != y.size()) return false;
    for (auto i = x.begin(), j = y.begin(); i != x.end(); ++i, ++j) {
      if (i->key() != j->key() || !same_json(i->value(), j->value())) return false;
    }
    return true;
  }
  return a == b;
}

// json_text's output is JSON that reads back as what was printed.
void check_json(std::string_view text) {
  boost::system::error_code ec;
  const boost::json::value value = boost::json::parse(text, ec);
  if (ec) return;
  const std::string printed = llmon::json_text(value);
  const boost::json::value reparsed = boost::json::parse(printed, ec);
  check(!ec, "json_text output parses");
  check(same_json(value, reparsed), "json_text output reads back as the value printed");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < sizeof(double)) return 0;
  double value = 0;
  std::memcpy(&value, data, sizeof value);
  check_number(value);
  // The same bits as an integer below 2^53, as counts and byte sizes are.
  std::uint64_t bits = 0;
  std::memcpy(&bits, data, sizeof bits);
  check_number(static_cast<double>(bits >> 11));
  const std::string_view rest = llmon::fuzz::as_text(data + sizeof value, size - sizeof value);
  const auto nul = rest.find('\0');
  const std::string help(rest.substr(0, nul));
  const std::string label(nul == std::string_view::npos ? "" : rest.substr(nul + 1));
  check_exposition(value, help, label);
  check_json(rest);
  return 0;
}
