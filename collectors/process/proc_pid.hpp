#pragma once
// Identity of one process through a procfs root: argv, parent, start time and credentials.
// Pure parsers plus stateless readers; safe to call from any thread.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace llmon::proc {

// A procfs scan stops after this many pid directories: far beyond an inference box (the
// kernel's default pid_max is 4194304, but a box runs a few hundred processes).
inline constexpr std::size_t kMaxPids = 65536;
// Arguments kept from one cmdline; the reader bounds the bytes, this bounds the vector.
inline constexpr std::size_t kMaxArgs = 16384;

// argv from /proc/<pid>/cmdline: NUL-separated, the final NUL optional. Empty arguments in the
// middle are kept (argv may hold ""). A process that rewrote its argv into one string (what
// setproctitle does: "ollama runner --model x", maybe NUL-padded) shows a single argument with
// spaces: that is split on whitespace, the only reading left (a genuine single argument with
// spaces reads the same way). Past kMaxArgs the rest is dropped. Kernel threads and zombies
// have an empty cmdline: the result is empty.
std::vector<std::string> parse_cmdline(std::string_view text);

// The four ids of one "Uid:" or "Gid:" line of /proc/<pid>/status.
struct ProcessIds {
  std::uint32_t real = 0;
  std::uint32_t effective = 0;
  std::uint32_t saved = 0;
  std::uint32_t fs = 0;
};

struct ProcessCredentials {
  ProcessIds uid;
  ProcessIds gid;
};

// "Uid:\t997\t997\t997\t997" and "Gid:" from /proc/<pid>/status; nullopt unless both lines are
// there with four numbers each. (Reading another process's environ needs these to equal the
// reader's fsuid/fsgid: see tuning/proc_environ.hpp.)
std::optional<ProcessCredentials> parse_status_credentials(std::string_view status_text);

// The process's systemd cgroup from /proc/<pid>/cgroup: the unified hierarchy's path
// ("0::/system.slice/ollama.service"), else the v1 "name=systemd" hierarchy's. nullopt when
// neither line is there. A service's processes live under "/system.slice/<unit>".
std::optional<std::string> parse_proc_cgroup(std::string_view text);
// {procfs_root}/<pid>/cgroup through parse_proc_cgroup; nullopt when unreadable.
std::optional<std::string> read_process_cgroup(const std::filesystem::path& procfs_root, int pid);

// Basename of argv[0] ("/usr/local/bin/ollama" -> "ollama").
std::string_view program_name(std::string_view argv0);

struct ProcessInfo {
  int pid = 0;
  int ppid = 0;  // /proc/<pid>/stat field 4
  char state = '?';
  std::string comm;
  std::vector<std::string> argv;             // empty when unreadable, kernel threads, zombies
  std::optional<double> start_time_seconds;  // unix time: btime + field 22 / CLK_TCK
  std::optional<ProcessCredentials> credentials;
};

// Reads {procfs_root}/<pid>/stat (required), cmdline, status, and {procfs_root}/stat for btime.
// nullopt when the stat file cannot be read or parsed (the process exited, or never was).
// Everything in it is world-readable on a default procfs (hidepid=0).
std::optional<ProcessInfo> read_process_info(const std::filesystem::path& procfs_root, int pid);

// Numeric entries of procfs_root, ascending so a scan is deterministic (directory order is
// not) and a parent usually comes before its children; at most max_entries of them (which ones,
// past the bound, is up to the directory order). An unreadable root gives an empty list.
std::vector<int> list_pids(const std::filesystem::path& procfs_root,
                           std::size_t max_entries = kMaxPids);

}  // namespace llmon::proc
