// rsmi_client LIBRARY MODE: a minimal ROCm SMI program, for the end-to-end test with the real
// library. Modes:
//   init     rsmi_init, then rsmi_shut_down
//   clocks   rsmi_init, every GPU's shader clock (as `rocm-smi --showclocks` reads it), shut down
//   leave    rsmi_init, then exit() without rsmi_shut_down (a script that forgets it)
// Against a deep-sleep "S:" table, Debian's 5.x library aborts inside the clock call while holding
// the card's mutex (the kernel marks its owner dead); a later `leave` run "recovers" that mutex,
// keeps it, and its static destructors unmap it before the thread ends, so that not even the
// kernel can release it: the two ways a stale /dev/shm/rocm_smi_card<N> comes about.
// Prints what it did; exit 0 on success.
#include <dlfcn.h>

#include <cstdint>
#include <cstdio>
#include <cstring>

namespace {

using InitFn = int (*)(std::uint64_t);
using ShutDownFn = int (*)();
using CountFn = int (*)(std::uint32_t*);
using ClockFn = int (*)(std::uint32_t, int, void*);  // rsmi_clk_type_t 0: RSMI_CLK_TYPE_SYS

}  // namespace

int main(int argc, char** argv) {
  const char* mode = argc == 3 ? argv[2] : "";
  if (std::strcmp(mode, "init") != 0 && std::strcmp(mode, "clocks") != 0 &&
      std::strcmp(mode, "leave") != 0) {
    std::fprintf(stderr, "usage: rsmi_client LIBRARY init|clocks|leave\n");
    return 2;
  }
  void* lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) {
    std::fprintf(stderr, "rsmi_client: %s\n", dlerror());
    return 2;
  }
  auto init = reinterpret_cast<InitFn>(dlsym(lib, "rsmi_init"));
  auto shut_down = reinterpret_cast<ShutDownFn>(dlsym(lib, "rsmi_shut_down"));
  auto count = reinterpret_cast<CountFn>(dlsym(lib, "rsmi_num_monitor_devices"));
  auto clock = reinterpret_cast<ClockFn>(dlsym(lib, "rsmi_dev_gpu_clk_freq_get"));
  if (!init || !shut_down || !count || !clock) {
    std::fprintf(stderr, "rsmi_client: not a rocm_smi library\n");
    return 2;
  }
  const int status = init(0);
  std::printf("rsmi_init: %d\n", status);
  if (status != 0) return 1;
  std::uint32_t n = 0;
  count(&n);
  std::printf("devices: %u\n", n);
  std::fflush(stdout);
  if (std::strcmp(mode, "leave") == 0) return 0;
  if (std::strcmp(mode, "clocks") == 0) {
    // Large enough for any generation's rsmi_frequencies_t.
    alignas(8) unsigned char frequencies[1024];
    for (std::uint32_t i = 0; i < n; ++i) {
      std::printf("device %u sclk: status %d\n", i, clock(i, 0, frequencies));
      std::fflush(stdout);
    }
  }
  shut_down();
  return 0;
}
