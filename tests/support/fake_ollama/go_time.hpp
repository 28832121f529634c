#pragma once
// Go's time and duration conventions as Ollama exposes them: RFC3339Nano timestamps, Go
// duration strings and the keep_alive rules of api.Duration. Pure functions on plain values;
// thread-safe.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fake_ollama {

// Nanoseconds, like Go's time.Duration (int64).
using Nanos = std::int64_t;
inline constexpr Nanos kNanosPerSecond = 1'000'000'000;
inline constexpr Nanos kNanosPerMilli = 1'000'000;
// What Ollama stores for a negative keep_alive: math.MaxInt64, about 292 years.
inline constexpr Nanos kForever = INT64_MAX;

// A wall-clock instant. Seconds and nanoseconds are kept apart so that now + kForever (year
// ~2318) stays representable, which a single int64 of nanoseconds since 1970 is not.
struct WallTime {
  std::int64_t unix_seconds = 0;
  std::int32_t nanos = 0;  // 0..999'999'999

  friend bool operator==(const WallTime&, const WallTime&) = default;
  friend auto operator<=>(const WallTime&, const WallTime&) = default;
};

WallTime wall_now();
WallTime add(WallTime t, Nanos d);

// Go's time.Time JSON form (RFC3339Nano): fraction without trailing zeros (none at all when
// zero) and "Z" for a zero offset, e.g. "2026-11-23T17:45:12.123456789+01:00".
std::string format_rfc3339_nano(WallTime t, int utc_offset_seconds);
// The zone offset of the local time zone (TZ) at `t`, as Go's time.Now() would carry.
int local_utc_offset(WallTime t);
// "+01:00", "-05:30", "Z" -> seconds east of UTC.
std::optional<int> parse_utc_offset(std::string_view text);
// Go's http.TimeFormat for the Date header: "Mon, 02 Jan 2006 15:04:05 GMT".
std::string format_http_date(WallTime t);

// Go's time.ParseDuration: "300ms", "-1.5h", "2h45m", "0"; units ns us µs ms s m h. On failure
// returns nullopt and sets `error` to Go's message, e.g. `time: missing unit in duration "5"`.
std::optional<Nanos> parse_go_duration(std::string_view text, std::string* error = nullptr);

// api.Duration.UnmarshalJSON applied to keep_alive: a number is seconds, a string a Go duration;
// anything negative means kForever.
Nanos keep_alive_from_seconds(double seconds);
std::optional<Nanos> keep_alive_from_string(std::string_view text, std::string* error);

}  // namespace fake_ollama
