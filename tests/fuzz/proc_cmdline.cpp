// /proc/<pid>/cmdline and the Uid:/Gid: lines of /proc/<pid>/status.
#include "collectors/process/proc_pid.hpp"
#include "tests/fuzz/fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace llmon;
  const std::string_view text = fuzz::as_text(data, size);
  const auto argv = proc::parse_cmdline(text);
  fuzz::check(argv.size() <= proc::kMaxArgs, "at most kMaxArgs arguments");
  std::size_t bytes = 0;
  for (const auto& arg : argv) bytes += arg.size();
  fuzz::check(bytes <= size, "arguments are parts of the input");
  if (!argv.empty()) {
    fuzz::check(proc::program_name(argv[0]).size() <= argv[0].size(), "a basename is a suffix");
  }
  (void)proc::parse_status_credentials(text);
  return 0;
}
