// D-Bus addresses, and the client connection against a peer that authenticates and then sends
// what a broken or hostile bus might: the query ends with an error, quickly, whatever it sends.
// query_unit against a real dbus-daemon is in test_tuning_unit_dbus.cpp.
#include <doctest/doctest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <string>
#include <thread>

#include "collectors/tuning/dbus_connection.hpp"

using namespace llmon;
using namespace llmon::tuning::dbus;
using namespace std::string_literals;
using std::chrono::milliseconds;

namespace {

const std::string kOk = "OK 0123456789abcdef0123456789abcdef\r\n";

// Listens on an abstract socket; the first client gets `reply` once it sent its AUTH line.
class FakeBus {
 public:
  explicit FakeBus(std::string reply) : reply_(std::move(reply)) {
    name_ = "llmon-test-bus-" + std::to_string(::getpid()) + "-" + std::to_string(++counter_);
    listener_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    name_.copy(sa.sun_path + 1, name_.size());
    const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name_.size());
    REQUIRE(::bind(listener_, reinterpret_cast<sockaddr*>(&sa), length) == 0);
    REQUIRE(::listen(listener_, 1) == 0);
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeBus() {
    finish();
    ::close(listener_);
  }
  // What the client sent, once it hung up.
  const std::string& finish() {
    ::shutdown(listener_, SHUT_RDWR);
    if (thread_.joinable()) thread_.join();
    return received_;
  }
  FakeBus(const FakeBus&) = delete;
  FakeBus& operator=(const FakeBus&) = delete;
  std::string address() const { return "unix:abstract=" + name_; }

 private:
  void serve() {
    const int fd = ::accept(listener_, nullptr, nullptr);
    if (fd < 0) return;
    char buf[4096];
    while (received_.find("\r\n") == std::string::npos) {
      const ssize_t n = ::read(fd, buf, sizeof buf);
      if (n <= 0) break;
      received_.append(buf, static_cast<std::size_t>(n));
    }
    (void)!::write(fd, reply_.data(), reply_.size());
    ::shutdown(fd, SHUT_WR);
    for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) {  // until the client hangs up
      received_.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
  }

  static inline int counter_ = 0;
  std::string reply_, name_, received_;
  int listener_ = -1;
  std::thread thread_;
};

std::string open_error(const std::string& reply) {
  FakeBus bus(reply);
  const auto start = std::chrono::steady_clock::now();
  auto c = Connection::open(bus.address(), Deadline(milliseconds(2000)));
  CHECK(std::chrono::steady_clock::now() - start < milliseconds(1500));
  return c.ok() ? "" : c.error().message;
}

}  // namespace

TEST_CASE("dbus connection: addresses") {
  auto a = parse_address("unix:path=/run/dbus/system_bus_socket");
  REQUIRE(a.ok());
  CHECK(a->path == "/run/dbus/system_bus_socket");
  CHECK_FALSE(a->abstract);
  a = parse_address("tcp:host=x,port=1;unix:guid=abc,abstract=/tmp/dbus-%41%2c");
  REQUIRE(a.ok());
  CHECK(a->path == "/tmp/dbus-A,");
  CHECK(a->abstract);
  CHECK(parse_address("unix:path=/x%4").error().message == "bad %-escape in D-Bus address");
  CHECK(parse_address("unix:path=").error().message == "empty socket path in D-Bus address");
  CHECK(parse_address("not an address").error().message ==
        "not a D-Bus address with unix:path= or unix:abstract=");
}

TEST_CASE("dbus connection: authenticates with EXTERNAL and the uid in hex, then says Hello") {
  FakeBus bus(kOk);
  const auto c = Connection::open(bus.address(), Deadline(milliseconds(2000)));
  REQUIRE_FALSE(c.ok());  // the bus hung up instead of answering Hello
  CHECK(c.error().message == "connecting to " + bus.address() + ": the bus closed the connection");
  std::string uid_hex;
  for (const char d : std::to_string(::geteuid())) uid_hex += "3" + std::string(1, d);
  const std::string sent = bus.finish();
  const std::string auth = "\0AUTH EXTERNAL "s + uid_hex + "\r\nBEGIN\r\n";
  REQUIRE(sent.substr(0, auth.size()) == auth);
  const auto hello = parse_message(sent.substr(auth.size()));
  REQUIRE_MESSAGE(hello.ok(), hello.error().message);
  CHECK(hello->member == "Hello");
  CHECK(hello->destination == "org.freedesktop.DBus");
}

TEST_CASE("dbus connection: a broken bus ends the query with an error") {
  CHECK(open_error("REJECTED EXTERNAL\r\n").find("authentication failed: REJECTED EXTERNAL") !=
        std::string::npos);
  CHECK(open_error(std::string(5000, 'x')).find("authentication reply too long") !=
        std::string::npos);
  CHECK(open_error(kOk + "l\x02\x00\x01\xff\xff\xff\x7f\x01\x00\x00\x00\x00\x00\x00\x00"s)
            .find("message of 2147483663 bytes (limit 1048576)") != std::string::npos);
  CHECK(open_error(kOk + "garbage and more garbage").find("not a D-Bus message") !=
        std::string::npos);
  CHECK(open_error(kOk + "l\x02\x00\x01\x00\x00\x00\x00"s).find("the bus closed the connection") !=
        std::string::npos);
}
