#pragma once
// Parsing of /proc/<pid>/stat, /proc/stat and /proc/<pid>/limits, and reading one process's
// resource usage through a procfs root. Pure parsers plus one thin, stateless reader.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace llmon::proc {

struct PidStat {
  std::string comm;  // executable name, as in /proc/<pid>/comm (max 15 chars)
  char state = '?';
  int ppid = 0;  // field 4: the parent's thread-group id (0 for the init process)
  std::uint64_t utime_ticks = 0;
  std::uint64_t stime_ticks = 0;
  std::uint64_t starttime_ticks = 0;  // since boot
  std::uint64_t vsize_bytes = 0;
  std::uint64_t rss_pages = 0;
};

// The comm field may hold spaces and parentheses, so fields are counted after the last ')'.
std::optional<PidStat> parse_pid_stat(std::string_view text);
// "btime <unix seconds>" from /proc/stat.
std::optional<std::uint64_t> parse_boot_time(std::string_view text);
// The soft limit on the "Max open files" line of /proc/<pid>/limits ("unlimited" -> nullopt).
std::optional<std::uint64_t> parse_max_open_files(std::string_view text);

struct ProcessUsage {
  std::optional<double> cpu_seconds;
  std::optional<double> resident_bytes;
  std::optional<double> virtual_bytes;
  std::optional<double> start_time_seconds;  // unix time
  std::optional<double> open_fds;
  std::optional<double> max_fds;
  std::string comm;
};

// Reads {procfs_root}/{pid}/stat (pid may be "self"), {procfs_root}/stat, .../fd and
// .../limits. Throws std::runtime_error when the process's stat file cannot be read or parsed;
// the other values are simply absent when unreadable.
ProcessUsage read_process_usage(const std::filesystem::path& procfs_root, const std::string& pid);

}  // namespace llmon::proc
