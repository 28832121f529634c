// /dev/shm/rocm_smi_card<N>: any local user can write these files, and llmon reads them before
// every rsmi_init (collectors/gpu/rocm_smi_mutex.cpp).
#include <span>

#include "collectors/gpu/rocm_smi_mutex.hpp"
#include "tests/fuzz/fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace llmon;
  const auto state =
      gpu::parse_shm_mutex(std::span(reinterpret_cast<const std::byte*>(data), size));
  if (!state) return 0;
  fuzz::check(state->locked || state->owner_tid == 0, "an unlocked mutex has no owner");
  fuzz::check(!state->owner_died || state->locked, "a dead owner leaves the mutex locked");
  return 0;
}
