// Duration strings, and the round trip through format_duration.
#include "common/duration.hpp"

#include "tests/fuzz/fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace llmon;
  const auto d = parse_duration(fuzz::as_text(data, size));
  if (!d) {
    fuzz::check_error(d.error());
    return 0;
  }
  fuzz::check(d->count() >= 0, "a duration is never negative");
  const std::string text = format_duration(*d);
  const auto back = parse_duration(text);
  fuzz::check(back.ok() && *back == *d, "format_duration -> parse_duration round-trips");
  return 0;
}
