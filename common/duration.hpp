#pragma once
// Duration strings ("250ms", "5s", "15m", "1h", "1h30m"): parsing and formatting. Pure functions.
#include <chrono>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace llmon {

using Duration = std::chrono::milliseconds;

// Accepts one or more <integer><unit> groups, unit one of ms, s, m, h, d. Rejects bare numbers,
// negatives, empty strings and overflow with a message that says what was wrong.
Expected<Duration> parse_duration(std::string_view text);

// Shortest exact form: 1500ms -> "1500ms", 90000ms -> "1m30s", 0 -> "0s".
std::string format_duration(Duration d);

inline double to_seconds(Duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace llmon
