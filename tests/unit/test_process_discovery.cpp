#include <doctest/doctest.h>
#include <unistd.h>

#include <bit>
#include <filesystem>
#include <fstream>
#include <string>

#include "collectors/ollama/process_discovery.hpp"
#include "collectors/process/proc_stat.hpp"

using namespace llmon;
using ollama::discover_ollama_pid;
using ollama::find_listening_pid;
using ollama::find_pid_by_name;
namespace fs = std::filesystem;

namespace {

const fs::path kBox = fs::path(LLMON_FIXTURES_DIR) / "procfs" / "ollama_box";

// The fixture's addresses are as a little-endian kernel prints them; ports are not affected.
constexpr bool kLittleEndian = std::endian::native == std::endian::little;

constexpr const char* kTcpHeader =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout "
    "inode\n";

// A private, writable copy of the fixture (its symlinks copied as links), removed at scope exit.
class BoxCopy {
 public:
  BoxCopy() : root_(fs::temp_directory_path() / ("llmon-procfs-" + std::to_string(::getpid()))) {
    fs::remove_all(root_);
    fs::copy(kBox, root_, fs::copy_options::copy_symlinks | fs::copy_options::recursive);
  }
  ~BoxCopy() {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  BoxCopy(const BoxCopy&) = delete;
  BoxCopy& operator=(const BoxCopy&) = delete;
  const fs::path& root() const { return root_; }
  void write(const fs::path& relative, const std::string& content) const {
    fs::create_directories((root_ / relative).parent_path());
    std::ofstream(root_ / relative) << content;
  }

 private:
  fs::path root_;
};

std::string stat_line(int pid, unsigned long long starttime) {
  return std::to_string(pid) + " (ollama) S 1 1 1 0 -1 4194560 100 0 0 0 10 5 0 0 20 0 8 0 " +
         std::to_string(starttime) +
         " 4294967296 1000 18446744073709551615 0 0 0 0 0 0 0 0 0 0 "
         "0 0 17 1 0 0 0 0 0\n";
}

}  // namespace

TEST_CASE("ollama discovery: /proc/net/tcp lines parse, the header and garbage are skipped") {
  const std::string text =
      std::string(kTcpHeader) +
      "   0: 0100007F:2CAA 00000000:0000 0A 00000000:00000000 00:00000000 00000000   997        "
      "0 123456 1 0000000000000000 100 0 0 10 0\n"
      "   1: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        "
      "0 777 1 0000000000000000 100 0 0 10 0\n"
      "   2: 0100007F:2CAA 0100007F:D2F0 01 00000000:00000000 00:00000000 00000000   997        "
      "0 123999 1 0000000000000000 20 4 30 10 -1\n"
      "garbage\n"
      "\n"
      "   3: ZZ00007F:2CAA 00000000:0000 0A 0:0 0:0 0 0 0 5 1\n"              // bad address
      "   4: 0100007F:12CAA 00000000:0000 0A 0:0 0:0 0 0 0 6 1\n"             // port > 16 bits
      "   5: 0100007F:2CAA 00000000:0000 0A 0:0 0:0 0 0 0 abc 1\n"            // bad inode
      "   6: 0100007F:2CAA 00000000:0000 0A 0:0 0:0 0 0\n"                    // truncated
      "   7: 00000000000000000000000001000000:2CAA 0:0 0A 0:0 0:0 0 0 0 8\n"  // an IPv6 line
      "   8: 0100007F 00000000:0000 0A 0:0 0:0 0 0 0 9 1\n"                   // no port
      "   9: 0100007F:2CAA 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 42";
  const auto sockets = ollama::parse_proc_net_tcp(text, false);
  REQUIRE(sockets.size() == 4);
  CHECK(sockets[0].port == 11434);
  CHECK(sockets[0].inode == 123456);
  CHECK(sockets[0].listening);
  CHECK(sockets[1].port == 22);
  CHECK(sockets[1].inode == 777);
  CHECK(sockets[2].port == 11434);
  CHECK_FALSE(sockets[2].listening);  // ESTABLISHED (01) on the same port
  CHECK(sockets[3].inode == 42);      // last line without a newline
  if (kLittleEndian) {
    CHECK(sockets[0].address.to_string() == "127.0.0.1");
    CHECK(sockets[1].address.to_string() == "0.0.0.0");
  }
  CHECK(ollama::parse_proc_net_tcp("", false).empty());
  CHECK(ollama::parse_proc_net_tcp(kTcpHeader, false).empty());
}

TEST_CASE("ollama discovery: /proc/net/tcp6 addresses are four host-order words") {
  const auto line = [](const std::string& local, const std::string& inode) {
    return "   0: " + local +
           " 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000   "
           "997        0 " +
           inode + " 1\n";
  };
  const std::string text =
      "  sl  local_address                         remote_address                        st "
      "tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n" +
      line("00000000000000000000000000000000:2CAB", "50002") +
      line("00000000000000000000000001000000:2CAA", "50003") +
      line("B80D0120000000000000000001000000:0050", "50004") +
      line("0000000000000000FFFF00000100007F:2CAA", "50005") +
      line("0100007F:2CAA", "50006") +                        // an IPv4 line
      line("0000000000000000000000000100000:2CAA", "50007");  // 31 digits
  const auto sockets = ollama::parse_proc_net_tcp(text, true);
  REQUIRE(sockets.size() == 4);
  CHECK(sockets[0].port == 11435);
  CHECK(sockets[0].inode == 50002);
  CHECK(sockets[0].address.is_v6());
  CHECK(sockets[0].address.is_unspecified());
  CHECK(sockets[3].inode == 50005);
  if (kLittleEndian) {
    CHECK(sockets[1].address.to_string() == "::1");
    CHECK(sockets[2].address.to_string() == "2001:db8::1");
    CHECK(sockets[3].address.to_string() == "::ffff:127.0.0.1");
  }
}

TEST_CASE("ollama discovery: fd link targets name socket inodes") {
  CHECK(ollama::parse_socket_inode("socket:[123456]") == 123456u);
  CHECK(ollama::parse_socket_inode("socket:[18446744073709551615]") == 18446744073709551615u);
  CHECK_FALSE(ollama::parse_socket_inode("socket:[18446744073709551616]"));
  CHECK_FALSE(ollama::parse_socket_inode("socket:[]"));
  CHECK_FALSE(ollama::parse_socket_inode("socket:[12a]"));
  CHECK_FALSE(ollama::parse_socket_inode("socket:[-1]"));
  CHECK_FALSE(ollama::parse_socket_inode("socket:[ 12]"));
  CHECK_FALSE(ollama::parse_socket_inode("socket:[12"));
  CHECK_FALSE(ollama::parse_socket_inode("pipe:[123456]"));
  CHECK_FALSE(ollama::parse_socket_inode("anon_inode:[eventpoll]"));
  CHECK_FALSE(ollama::parse_socket_inode("/dev/null"));
  CHECK_FALSE(ollama::parse_socket_inode(""));
}

TEST_CASE("ollama discovery: which hosts are local") {
  for (const char* host : {"", "localhost", "LocalHost", "127.0.0.1", "127.1.2.3", "0.0.0.0", "::1",
                           "[::1]", "::", "[::]", "::ffff:127.0.0.1"}) {
    CAPTURE(host);
    CHECK(ollama::is_local_host(host));
  }
  for (const char* host : {"gpu-box.lan", "192.168.1.20", "10.0.0.1", "2001:db8::1", "128.0.0.1",
                           "::ffff:10.0.0.1", "[", "localhost.example"}) {
    CAPTURE(host);
    CHECK_FALSE(ollama::is_local_host(host));
  }
}

TEST_CASE("ollama discovery: the owner of the LISTEN socket on the port") {
  CHECK(find_listening_pid(kBox, 11434) == 812);   // 127.0.0.1, not the connection's owners
  CHECK(find_listening_pid(kBox, 11435) == 1200);  // [::] in tcp6
  CHECK(find_listening_pid(kBox, 22) == 1);
  CHECK_FALSE(find_listening_pid(kBox, 631));  // listening, but no process holds it
  CHECK_FALSE(find_listening_pid(kBox, 9999));
  CHECK_FALSE(find_listening_pid(kBox, 0xD2F0));  // only a connection's local port
  CHECK_FALSE(find_listening_pid(kBox / "no-such-root", 11434));
}

TEST_CASE("ollama discovery: by name, serve wins over the runner") {
  CHECK(find_pid_by_name(kBox, "ollama") == 812);
  CHECK(find_pid_by_name(kBox, "systemd") == 1);  // comm
  CHECK(find_pid_by_name(kBox, "init") == 1);     // argv[0] basename
  CHECK(find_pid_by_name(kBox, "kworker/3:1-events") == 77);
  CHECK_FALSE(find_pid_by_name(kBox, "llama-server"));
  CHECK_FALSE(find_pid_by_name(kBox, "usr"));
  CHECK_FALSE(find_pid_by_name(kBox, ""));  // would otherwise match kernel threads' argv[0]
  CHECK_FALSE(find_pid_by_name(kBox / "no-such-root", "ollama"));
}

TEST_CASE("ollama discovery: by name, the earliest start breaks a tie, then the lowest pid") {
  BoxCopy box;
  box.write("1200/stat", stat_line(1200, 1000));  // now started before 812 (2500)
  CHECK(find_pid_by_name(box.root(), "ollama") == 1200);
  fs::remove(box.root() / "1200" / "stat");  // an unknown start sorts last
  CHECK(find_pid_by_name(box.root(), "ollama") == 812);
  fs::remove(box.root() / "812" / "stat");
  CHECK(find_pid_by_name(box.root(), "ollama") == 812);  // both unknown: lowest pid
  fs::remove_all(box.root() / "812");
  fs::remove_all(box.root() / "1200");
  CHECK(find_pid_by_name(box.root(), "ollama") == 913);  // only the runner is left
}

TEST_CASE("ollama discovery: by name, a serve whose argv was rewritten into one string wins") {
  BoxCopy box;
  // 812 started first, but only 1200 still says "serve" once its argv is read as one string.
  box.write("812/cmdline", std::string("/usr/local/bin/ollama\0runner\0", 29));
  box.write("1200/cmdline", "/opt/ollama/bin/ollama serve");
  CHECK(find_pid_by_name(box.root(), "ollama") == 1200);
}

TEST_CASE("ollama discovery: the host decides whether the socket is tried before the name") {
  CHECK(discover_ollama_pid(kBox, "127.0.0.1", 11435, "ollama") == 1200);  // socket first
  CHECK(discover_ollama_pid(kBox, "", 11434, "") == 812);
  CHECK(discover_ollama_pid(kBox, "::", 11434, "") == 812);
  CHECK(discover_ollama_pid(kBox, "localhost", 9999, "ollama") == 812);  // name fallback
  CHECK_FALSE(discover_ollama_pid(kBox, "0.0.0.0", 9999, ""));
  // A remote server's sockets are not in this procfs: only the name can find anything.
  CHECK(discover_ollama_pid(kBox, "gpu-box.lan", 11435, "ollama") == 812);
  CHECK_FALSE(discover_ollama_pid(kBox, "gpu-box.lan", 11434, ""));
  CHECK_FALSE(discover_ollama_pid(kBox, "192.168.1.20", 11434, "llama-server"));
}

TEST_CASE("ollama discovery: vanished, half-gone and unreadable processes are skipped") {
  BoxCopy box;
  fs::remove_all(box.root() / "812");           // exited between two scans
  fs::create_directories(box.root() / "4242");  // exiting: the directory is already empty
  box.write("5000/fd", "not a directory");
  box.write("5001/comm", "ollama\n");                  // comm, but no cmdline, stat or fd
  box.write("99999999999999999999/comm", "ollama\n");  // not a pid: too large for an int
  box.write("self/comm", "ollama\n");
  CHECK_NOTHROW(find_listening_pid(box.root(), 11434));
  CHECK_FALSE(find_listening_pid(box.root(), 11434));
  CHECK(find_listening_pid(box.root(), 11435) == 1200);
  CHECK(find_pid_by_name(box.root(), "ollama") == 1200);
  fs::remove(box.root() / "net" / "tcp6");  // a kernel without IPv6
  CHECK_FALSE(find_listening_pid(box.root(), 11435));
  CHECK(find_listening_pid(box.root(), 22) == 1);
  fs::remove_all(box.root() / "1200");
  CHECK(find_pid_by_name(box.root(), "ollama") == 913);
  fs::remove_all(box.root() / "913");
  CHECK(find_pid_by_name(box.root(), "ollama") == 5001);
  CHECK_NOTHROW(discover_ollama_pid(box.root(), "localhost", 11434, "ollama"));
}

TEST_CASE("ollama discovery: the found pid's usage comes from the fixture") {
  const auto pid = discover_ollama_pid(kBox, "127.0.0.1", 11434, "ollama");
  REQUIRE(pid == 812);
  const auto u = proc::read_process_usage(kBox, std::to_string(*pid));
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
  CHECK(u.comm == "ollama");
  CHECK(u.resident_bytes.value_or(0) == doctest::Approx(131072 * page));
  CHECK(u.virtual_bytes.value_or(0) == doctest::Approx(5368709120.0));
  CHECK(u.cpu_seconds.value_or(0) == doctest::Approx((4521 + 1289) / ticks));
  CHECK(u.start_time_seconds.value_or(0) == doctest::Approx(1763900000 + 2500 / ticks));
  CHECK(u.open_fds == 6);
  CHECK(u.max_fds == 65536);
  const auto runner = proc::read_process_usage(kBox, "913");
  CHECK(runner.resident_bytes.value_or(0) == doctest::Approx(10485760 * page));
}
