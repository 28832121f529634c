// /proc/cmdline (the kernel command line) and the numbers in module parameter files.
#include "collectors/tuning/kernel_params.hpp"
#include "tests/fuzz/fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace llmon;
  const std::string_view text = fuzz::as_text(data, size);
  const auto params = tuning::parse_kernel_cmdline(text);
  fuzz::check(params.size() <= size, "no more parameters than bytes");
  for (const auto& p : params) fuzz::check(!p.name.empty(), "empty names are dropped");
  if (!params.empty()) (void)tuning::kernel_param_value(params, params.back().name);
  (void)tuning::parse_kernel_ulong(text);
  (void)tuning::parse_kernel_int(text);
  return 0;
}
