// /proc/<pid>/stat, /proc/stat (boot time) and /proc/<pid>/limits.
#include "collectors/process/proc_stat.hpp"

#include "tests/fuzz/fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace llmon;
  const std::string_view text = fuzz::as_text(data, size);
  if (const auto stat = proc::parse_pid_stat(text)) {
    fuzz::check(stat->comm.size() <= size, "comm is part of the input");
  }
  (void)proc::parse_boot_time(text);
  (void)proc::parse_max_open_files(text);
  return 0;
}
