// RFC 3339 times as Go marshals them (expires_at, modified_at).
#include <cmath>

#include "collectors/ollama/api.hpp"
#include "tests/fuzz/fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace llmon;
  const auto seconds = ollama::parse_rfc3339(fuzz::as_text(data, size));
  if (!seconds) {
    fuzz::check_error(seconds.error());
    return 0;
  }
  // Years 0001-9999 with offsets up to a day: well inside +-2^38 s.
  fuzz::check(std::isfinite(*seconds) && std::abs(*seconds) < 4e11, "a time is in range");
  return 0;
}
