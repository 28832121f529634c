// /proc/meminfo.
#include "collectors/host/meminfo.hpp"
#include "tests/fuzz/fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace llmon;
  const auto fields = host::parse_meminfo(fuzz::as_text(data, size));
  fuzz::check(fields.size() <= size, "no more fields than bytes");
  return 0;
}
