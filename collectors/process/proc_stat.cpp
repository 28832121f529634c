#include "collectors/process/proc_stat.hpp"

#include <unistd.h>

#include <charconv>
#include <limits>
#include <stdexcept>
#include <system_error>
#include <vector>

#include "common/fs.hpp"

namespace llmon::proc {

namespace {

std::optional<std::uint64_t> to_u64(std::string_view s) {
  std::uint64_t v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::vector<std::string_view> split_ws(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\n' || s[i] == '\t')) ++i;
    const std::size_t start = i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\n' && s[i] != '\t') ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

}  // namespace

std::optional<PidStat> parse_pid_stat(std::string_view text) {
  const auto open = text.find('(');
  const auto close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
    return std::nullopt;
  }
  PidStat st;
  st.comm = std::string(text.substr(open + 1, close - open - 1));
  // Fields after ')' start at field 3 (state); see proc(5).
  const auto f = split_ws(text.substr(close + 1));
  if (f.size() < 22 || f[0].size() != 1) return std::nullopt;
  st.state = f[0][0];
  const auto ppid = to_u64(f[1]);
  if (!ppid || *ppid > static_cast<std::uint64_t>(std::numeric_limits<int>::max())) {
    return std::nullopt;
  }
  st.ppid = static_cast<int>(*ppid);
  const auto utime = to_u64(f[11]), stime = to_u64(f[12]), start = to_u64(f[19]),
             vsize = to_u64(f[20]), rss = to_u64(f[21]);
  if (!utime || !stime || !start || !vsize || !rss) return std::nullopt;
  st.utime_ticks = *utime;
  st.stime_ticks = *stime;
  st.starttime_ticks = *start;
  st.vsize_bytes = *vsize;
  st.rss_pages = *rss;
  return st;
}

std::optional<std::uint64_t> parse_boot_time(std::string_view text) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto eol = text.find('\n', pos);
    const std::string_view line = text.substr(pos, eol == std::string_view::npos ? eol : eol - pos);
    if (line.substr(0, 6) == "btime ") return to_u64(trim(line.substr(6)));
    if (eol == std::string_view::npos) break;
    pos = eol + 1;
  }
  return std::nullopt;
}

std::optional<std::uint64_t> parse_max_open_files(std::string_view text) {
  const auto at = text.find("Max open files");
  if (at == std::string_view::npos) return std::nullopt;
  const auto eol = text.find('\n', at);
  const auto f =
      split_ws(text.substr(at + 14, eol == std::string_view::npos ? eol : eol - at - 14));
  if (f.empty()) return std::nullopt;
  return to_u64(f[0]);
}

ProcessUsage read_process_usage(const std::filesystem::path& procfs_root, const std::string& pid) {
  const auto dir = procfs_root / pid;
  ReadResult stat_file = read_file(dir / "stat");
  if (!stat_file.ok()) throw std::runtime_error(stat_file.error);
  const auto st = parse_pid_stat(stat_file.content);
  if (!st) throw std::runtime_error((dir / "stat").string() + ": unexpected format");
  static const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  static const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
  ProcessUsage u;
  u.comm = st->comm;
  u.cpu_seconds = static_cast<double>(st->utime_ticks + st->stime_ticks) / ticks;
  u.resident_bytes = static_cast<double>(st->rss_pages) * page;
  u.virtual_bytes = static_cast<double>(st->vsize_bytes);
  ReadResult proc_stat = read_file(procfs_root / "stat", 1024 * 1024);
  if (proc_stat.ok()) {
    if (auto btime = parse_boot_time(proc_stat.content)) {
      u.start_time_seconds =
          static_cast<double>(*btime) + static_cast<double>(st->starttime_ticks) / ticks;
    }
  }
  std::error_code ec;
  std::filesystem::directory_iterator it(dir / "fd", ec);
  if (!ec) {
    double count = 0;
    for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
      if (ec) break;
      ++count;
    }
    if (!ec) u.open_fds = count;
  }
  ReadResult limits = read_file(dir / "limits");
  if (limits.ok()) {
    if (auto max = parse_max_open_files(limits.content)) u.max_fds = static_cast<double>(*max);
  }
  return u;
}

}  // namespace llmon::proc
