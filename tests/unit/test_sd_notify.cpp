// sd_notify_send: the datagram systemd receives, on a path socket and an abstract one;
// parse_watchdog: when systemd asks this process for watchdog pings, as sd_watchdog_enabled says.
#include <doctest/doctest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

#include "daemon/sd_notify.hpp"

namespace llmon {
namespace {

// A bound datagram socket standing in for systemd's notification socket.
class NotifySocket {
 public:
  explicit NotifySocket(const std::string& name) : name_(name) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::memcpy(a.sun_path, name.data(), name.size());
    if (a.sun_path[0] == '@') a.sun_path[0] = '\0';
    const auto size = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size());
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), size) == 0);
    ::setenv("NOTIFY_SOCKET", name.c_str(), 1);
  }
  ~NotifySocket() {
    ::unsetenv("NOTIFY_SOCKET");
    ::close(fd_);
    if (name_[0] == '/') std::filesystem::remove(name_);
  }
  std::string receive() {
    timeval tv{2, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buf[512];
    const auto n = ::recv(fd_, buf, sizeof buf, 0);
    return n < 0 ? std::string() : std::string(buf, static_cast<std::size_t>(n));
  }

 private:
  std::string name_;
  int fd_ = -1;
};

TEST_CASE("sd_notify: the state reaches $NOTIFY_SOCKET, path or abstract") {
  {
    const auto path =
        (std::filesystem::temp_directory_path() / ("llmon-notify-" + std::to_string(::getpid())))
            .string();
    NotifySocket systemd(path);
    CHECK(sd_notify_send("READY=1\nSTATUS=serving"));
    CHECK(systemd.receive() == "READY=1\nSTATUS=serving");
  }
  {
    NotifySocket systemd("@llmon-notify-test-" + std::to_string(::getpid()));
    CHECK(sd_notify_send("RELOADING=1"));
    CHECK(systemd.receive() == "RELOADING=1");
  }
}

TEST_CASE("sd_notify: without systemd it does nothing and says so") {
  ::unsetenv("NOTIFY_SOCKET");
  CHECK_FALSE(sd_notify_send("READY=1"));
  ::setenv("NOTIFY_SOCKET", "relative/path", 1);  // neither "/..." nor "@...": ignored
  CHECK_FALSE(sd_notify_send("READY=1"));
  ::setenv("NOTIFY_SOCKET", "/nonexistent/llmon/notify", 1);
  CHECK_FALSE(sd_notify_send("READY=1"));
  ::unsetenv("NOTIFY_SOCKET");
}

TEST_CASE("sd_notify: the watchdog interval, for this process only") {
  using std::chrono::microseconds;
  CHECK(parse_watchdog("30000000", nullptr, 42) == microseconds(30000000));
  CHECK(parse_watchdog("400000", "42", 42) == microseconds(400000));
  CHECK_FALSE(parse_watchdog(nullptr, nullptr, 42));  // no WatchdogSec=
  CHECK_FALSE(parse_watchdog("400000", "43", 42));    // inherited from a parent
  CHECK_FALSE(parse_watchdog("400000", "x", 42));
  CHECK_FALSE(parse_watchdog("400000", "0", 42));
  for (const char* bad :
       {"", "0", "-5", "+5", "5s", " 5", "18446744073709551615", "99999999999999999999999"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_watchdog(bad, nullptr, 42));
  }
}

}  // namespace
}  // namespace llmon
