#pragma once
// Numbers as people (and Prometheus clients) write them: the shortest text that reads back as
// the same double ("200", "8.4", "0.251", "1e+22"), never "2E2" or "0.07000000000000001".
// Pure functions; safe from any thread.
#include <boost/json/value.hpp>
#include <string>

namespace llmon {

// Integers below 2^53 in full ("1000000000"); anything else in its shortest round-trip form
// (std::to_chars without a precision: fixed or exponent, whichever is shorter). Infinities and NaN
// as the Prometheus text format spells them:
// "+Inf", "-Inf", "NaN".
std::string format_number(double value);

// Compact JSON text of `value` with every double in format_number's form; a non-finite double
// (which JSON cannot express) becomes null. Strings are escaped as boost::json does.
std::string json_text(const boost::json::value& value);

}  // namespace llmon
