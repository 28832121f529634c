#include "collectors/ollama/process_discovery.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <limits>
#include <system_error>
#include <tuple>

#include "collectors/process/proc_pid.hpp"
#include "collectors/process/proc_stat.hpp"
#include "common/fs.hpp"

namespace llmon::ollama {

namespace fs = std::filesystem;

namespace {

// /proc/net/tcp is ~150 bytes a socket: 16 MiB is ~100k sockets, far beyond an inference box,
// yet a bound on what one discovery may hold in memory.
constexpr std::size_t kMaxNetTcpBytes = 16 * 1024 * 1024;
// A process with more descriptors than this is not worth a full readlink walk.
constexpr std::size_t kMaxFdsPerProcess = 100000;
// Only argv[0] and argv[1] matter; a longer cmdline still matches through comm.
constexpr std::size_t kMaxCmdlineBytes = 256 * 1024;
constexpr std::uint8_t kTcpListen = 0x0A;  // include/net/tcp_states.h

template <typename T>
std::optional<T> parse_number(std::string_view s, int base) {
  T v{};
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

std::vector<std::string_view> split_ws(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    const std::size_t start = i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

// The kernel prints each 32-bit word of the address with %08X on the value as it sits in
// memory (network byte order), so the bytes come back by storing the word in native order.
std::optional<boost::asio::ip::address> parse_hex_address(std::string_view hex, bool ipv6) {
  constexpr std::size_t kWordDigits = 8;
  if (hex.size() != (ipv6 ? 4 : 1) * kWordDigits) return std::nullopt;
  std::array<unsigned char, 16> bytes{};
  for (std::size_t w = 0; w * kWordDigits < hex.size(); ++w) {
    const auto word = parse_number<std::uint32_t>(hex.substr(w * kWordDigits, kWordDigits), 16);
    if (!word) return std::nullopt;
    std::memcpy(bytes.data() + w * 4, &*word, 4);
  }
  if (ipv6) return boost::asio::ip::address_v6(bytes);
  return boost::asio::ip::address_v4({bytes[0], bytes[1], bytes[2], bytes[3]});
}

std::optional<ListenSocket> parse_tcp_line(std::string_view line, bool ipv6) {
  // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...
  const auto f = split_ws(line);
  if (f.size() < 10 || f[0].back() != ':') return std::nullopt;
  const auto colon = f[1].find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  const auto address = parse_hex_address(f[1].substr(0, colon), ipv6);
  const auto port = parse_number<std::uint16_t>(f[1].substr(colon + 1), 16);
  const auto state = parse_number<std::uint8_t>(f[3], 16);
  const auto inode = parse_number<std::uint64_t>(f[9], 10);
  if (!address || !port || !state || !inode) return std::nullopt;
  return ListenSocket{*address, *port, *inode, *state == kTcpListen};
}

// True when one of `pid`'s descriptors is a socket in `inodes`. Every failure (the process
// exited, EACCES on another user's fd directory, an fd closed between listing and readlink)
// just means "not this process".
bool owns_socket(const fs::path& pid_dir, const std::vector<std::uint64_t>& inodes) {
  std::error_code ec;
  fs::directory_iterator it(pid_dir / "fd", ec);
  std::size_t seen = 0;
  for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
    if (++seen > kMaxFdsPerProcess) return false;
    // "socket:[18446744073709551615]" is 29 characters: a full buffer is some other target.
    std::array<char, 64> target{};
    const ssize_t n = ::readlink(it->path().c_str(), target.data(), target.size());
    if (n <= 0 || static_cast<std::size_t>(n) >= target.size()) continue;
    const auto inode = parse_socket_inode(std::string_view(target.data(), std::size_t(n)));
    if (inode && std::find(inodes.begin(), inodes.end(), *inode) != inodes.end()) return true;
  }
  return false;
}

bool iequals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
    return lower(x) == lower(y);
  });
}

}  // namespace

std::vector<ListenSocket> parse_proc_net_tcp(std::string_view text, bool ipv6) {
  std::vector<ListenSocket> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto eol = text.find('\n', pos);
    const auto end = eol == std::string_view::npos ? text.size() : eol;
    if (auto socket = parse_tcp_line(text.substr(pos, end - pos), ipv6)) out.push_back(*socket);
    pos = end + 1;
  }
  return out;
}

std::optional<std::uint64_t> parse_socket_inode(std::string_view link_target) {
  constexpr std::string_view kPrefix = "socket:[";
  if (link_target.size() <= kPrefix.size() + 1 ||
      link_target.substr(0, kPrefix.size()) != kPrefix || link_target.back() != ']') {
    return std::nullopt;
  }
  const auto digits = link_target.substr(kPrefix.size(), link_target.size() - kPrefix.size() - 1);
  // from_chars accepts no sign or space, so this is digits only.
  return parse_number<std::uint64_t>(digits, 10);
}

bool is_local_host(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty() || iequals(host, "localhost")) return true;
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(std::string(host), ec);
  if (ec) return false;
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    address = boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, address.to_v6());
  }
  return address.is_loopback() || address.is_unspecified();
}

std::optional<int> find_listening_pid(const fs::path& procfs_root, std::uint16_t port) {
  // Ollama may listen on 127.0.0.1, ::1, 0.0.0.0 or ::: whichever address, the socket is
  // the server's, so every LISTEN socket on the port counts.
  std::vector<std::uint64_t> inodes;
  for (const bool ipv6 : {false, true}) {
    // A kernel without IPv6 has no tcp6: the other file still answers.
    const ReadResult r = read_file(procfs_root / "net" / (ipv6 ? "tcp6" : "tcp"), kMaxNetTcpBytes);
    if (!r.ok()) continue;
    for (const auto& s : parse_proc_net_tcp(r.content, ipv6)) {
      if (s.listening && s.port == port && s.inode != 0) inodes.push_back(s.inode);
    }
  }
  if (inodes.empty()) return std::nullopt;
  for (const int pid : proc::list_pids(procfs_root)) {
    if (owns_socket(procfs_root / std::to_string(pid), inodes)) return pid;
  }
  return std::nullopt;
}

std::optional<int> find_pid_by_name(const fs::path& procfs_root, const std::string& name) {
  // An empty name would match every kernel thread (their cmdline is empty).
  if (name.empty()) return std::nullopt;
  struct Candidate {
    bool serve;
    std::uint64_t start_ticks;
    int pid;
  };
  std::optional<Candidate> best;
  const auto rank = [](const Candidate& c) {
    return std::make_tuple(!c.serve, c.start_ticks, c.pid);
  };
  for (const int pid : proc::list_pids(procfs_root)) {
    const fs::path dir = procfs_root / std::to_string(pid);
    const auto comm = read_trimmed(dir / "comm", 4096);
    const ReadResult cmdline = read_file(dir / "cmdline", kMaxCmdlineBytes);
    const auto argv =
        cmdline.ok() ? proc::parse_cmdline(cmdline.content) : std::vector<std::string>{};
    const bool by_comm = comm && *comm == name;
    const bool by_argv0 = !argv.empty() && proc::program_name(argv[0]) == name;
    if (!by_comm && !by_argv0) continue;
    Candidate c{argv.size() >= 2 && argv[1] == "serve", std::numeric_limits<std::uint64_t>::max(),
                pid};
    // A stat that vanished or does not parse sorts last among equals rather than disqualifying.
    const ReadResult stat = read_file(dir / "stat");
    if (stat.ok()) {
      if (const auto st = proc::parse_pid_stat(stat.content)) c.start_ticks = st->starttime_ticks;
    }
    if (!best || rank(c) < rank(*best)) best = c;
  }
  if (!best) return std::nullopt;
  return best->pid;
}

std::optional<int> discover_ollama_pid(const fs::path& procfs_root, const std::string& host,
                                       std::uint16_t port, const std::string& process_name) {
  // The socket owner is exact; the name is a guess, so it only comes second. A remote host's
  // sockets are not in this procfs, but a local process by that name may still be the one.
  if (is_local_host(host)) {
    if (auto pid = find_listening_pid(procfs_root, port)) return pid;
  }
  if (!process_name.empty()) return find_pid_by_name(procfs_root, process_name);
  return std::nullopt;
}

}  // namespace llmon::ollama
