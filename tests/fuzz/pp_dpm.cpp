// pp_dpm_sclk / pp_dpm_mclk clock tables.
#include <cmath>

#include "collectors/gpu/sysfs_parse.hpp"
#include "tests/fuzz/fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace llmon;
  const auto hertz = gpu::sysfs::parse_dpm_current(fuzz::as_text(data, size));
  fuzz::check(!hertz || (std::isfinite(*hertz) && *hertz >= 0), "a clock is finite, >= 0");
  return 0;
}
