#include "collectors/process/proc_pid.hpp"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <system_error>

#include "collectors/process/proc_stat.hpp"
#include "common/fs.hpp"

namespace llmon::proc {

namespace fs = std::filesystem;

namespace {

// ARG_MAX on Linux is a quarter of the stack limit (2 MiB by default); a runner's command line
// is a few hundred bytes. Past this, the tail is not worth the memory.
constexpr std::size_t kMaxCmdlineBytes = 256 * 1024;
// /proc/<pid>/status is ~1.5 KiB; /proc/stat grows with CPUs (a line each) and interrupts.
constexpr std::size_t kMaxStatusBytes = 64 * 1024;
constexpr std::size_t kMaxProcStatBytes = 1024 * 1024;

template <typename T>
std::optional<T> to_number(std::string_view s) {
  T v{};
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n'; }

std::vector<std::string_view> split_ws(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && is_space(s[i])) ++i;
    const std::size_t start = i;
    while (i < s.size() && !is_space(s[i])) ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

std::optional<ProcessIds> parse_ids_line(std::string_view text, std::string_view key) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto eol = text.find('\n', pos);
    const auto end = eol == std::string_view::npos ? text.size() : eol;
    const std::string_view line = text.substr(pos, end - pos);
    if (line.substr(0, key.size()) == key) {
      const auto f = split_ws(line.substr(key.size()));
      if (f.size() != 4) return std::nullopt;
      const auto r = to_number<std::uint32_t>(f[0]), e = to_number<std::uint32_t>(f[1]),
                 s = to_number<std::uint32_t>(f[2]), x = to_number<std::uint32_t>(f[3]);
      if (!r || !e || !s || !x) return std::nullopt;
      return ProcessIds{*r, *e, *s, *x};
    }
    pos = end + 1;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> parse_proc_cgroup(std::string_view text) {
  std::optional<std::string> v1;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto eol = text.find('\n', pos);
    const auto end = eol == std::string_view::npos ? text.size() : eol;
    const std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    // hierarchy-ID:controller-list:cgroup-path; the path may itself contain ':'.
    const auto first = line.find(':');
    const auto second = first == std::string_view::npos ? first : line.find(':', first + 1);
    if (second == std::string_view::npos) continue;
    const std::string_view id = line.substr(0, first);
    const std::string_view controllers = line.substr(first + 1, second - first - 1);
    const std::string_view path = line.substr(second + 1);
    if (path.empty() || path.front() != '/') continue;
    if (id == "0" && controllers.empty()) return std::string(path);
    if (controllers == "name=systemd") v1 = std::string(path);
  }
  return v1;
}

std::optional<std::string> read_process_cgroup(const fs::path& procfs_root, int pid) {
  const ReadResult file = read_file(procfs_root / std::to_string(pid) / "cgroup", kMaxStatusBytes);
  if (!file.ok()) return std::nullopt;
  return parse_proc_cgroup(file.content);
}

std::vector<std::string> parse_cmdline(std::string_view text) {
  std::vector<std::string> argv;
  if (text.empty()) return argv;
  if (text.back() == '\0') text.remove_suffix(1);
  std::size_t pos = 0;
  while (argv.size() < kMaxArgs) {
    const auto nul = text.find('\0', pos);
    const auto end = nul == std::string_view::npos ? text.size() : nul;
    argv.emplace_back(text.substr(pos, end - pos));
    if (nul == std::string_view::npos) break;
    pos = nul + 1;
  }
  // A rewritten argv is one string with spaces, possibly followed by NUL padding.
  const bool padded_only =
      std::all_of(argv.begin() + 1, argv.end(), [](const std::string& a) { return a.empty(); });
  if (padded_only && argv[0].find(' ') != std::string::npos) {
    std::vector<std::string> words;
    for (const auto w : split_ws(argv[0])) {
      if (words.size() == kMaxArgs) break;
      words.emplace_back(w);
    }
    return words;
  }
  return argv;
}

std::optional<ProcessCredentials> parse_status_credentials(std::string_view status_text) {
  const auto uid = parse_ids_line(status_text, "Uid:");
  const auto gid = parse_ids_line(status_text, "Gid:");
  if (!uid || !gid) return std::nullopt;
  return ProcessCredentials{*uid, *gid};
}

std::string_view program_name(std::string_view argv0) {
  const auto slash = argv0.rfind('/');
  return slash == std::string_view::npos ? argv0 : argv0.substr(slash + 1);
}

std::optional<ProcessInfo> read_process_info(const fs::path& procfs_root, int pid) {
  const fs::path dir = procfs_root / std::to_string(pid);
  const ReadResult stat = read_file(dir / "stat");
  if (!stat.ok()) return std::nullopt;
  const auto st = parse_pid_stat(stat.content);
  if (!st) return std::nullopt;
  ProcessInfo info;
  info.pid = pid;
  info.ppid = st->ppid;
  info.state = st->state;
  info.comm = st->comm;
  if (const ReadResult cmdline = read_file(dir / "cmdline", kMaxCmdlineBytes); cmdline.ok()) {
    info.argv = parse_cmdline(cmdline.content);
  }
  if (const ReadResult status = read_file(dir / "status", kMaxStatusBytes); status.ok()) {
    info.credentials = parse_status_credentials(status.content);
  }
  if (const ReadResult proc_stat = read_file(procfs_root / "stat", kMaxProcStatBytes);
      proc_stat.ok()) {
    static const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
    if (const auto btime = parse_boot_time(proc_stat.content)) {
      info.start_time_seconds =
          static_cast<double>(*btime) + static_cast<double>(st->starttime_ticks) / ticks;
    }
  }
  return info;
}

std::vector<int> list_pids(const fs::path& procfs_root, std::size_t max_entries) {
  std::vector<int> pids;
  std::error_code ec;
  fs::directory_iterator it(procfs_root, ec);
  for (; !ec && it != fs::directory_iterator() && pids.size() < max_entries; it.increment(ec)) {
    const auto pid = to_number<int>(it->path().filename().native());
    if (pid && *pid > 0) pids.push_back(*pid);
  }
  std::sort(pids.begin(), pids.end());
  return pids;
}

}  // namespace llmon::proc
