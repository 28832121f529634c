// amdgpu's binary gpu_metrics sysfs table.
#include "collectors/gpu/gpu_metrics.hpp"

#include <span>

#include "tests/fuzz/fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace llmon;
  const auto metrics =
      gpu::parse_gpu_metrics(std::span(reinterpret_cast<const std::byte*>(data), size));
  if (!metrics) fuzz::check_error(metrics.error());
  return 0;
}
