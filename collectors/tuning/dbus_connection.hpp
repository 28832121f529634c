#pragma once
// A minimal D-Bus client connection: a unix socket (unix:path= or unix:abstract=), SASL EXTERNAL
// authentication, Hello, and blocking method calls bounded by a deadline (non-blocking socket and
// poll, so a bus that stops talking costs at most the caller's timeout). One owner at a time; not
// thread-safe. The socket closes with the object.
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "collectors/tuning/dbus_wire.hpp"
#include "common/duration.hpp"
#include "common/result.hpp"

namespace llmon::tuning::dbus {

// A point in time that every step of one query shares.
class Deadline {
 public:
  explicit Deadline(Duration timeout) : end_(std::chrono::steady_clock::now() + timeout) {}
  // Milliseconds left, rounded up; 0 once passed.
  int remaining_ms() const;

 private:
  std::chrono::steady_clock::time_point end_;
};

struct SocketAddress {
  std::string path;  // the socket file, or the abstract name
  bool abstract = false;
};

// The first unix:path= or unix:abstract= entry of a D-Bus server address (entries separated by
// ';', values %-escaped); an error for anything else.
Expected<SocketAddress> parse_address(std::string_view address);

class Connection {
 public:
  // Connects, authenticates and says Hello. Errors read "connecting to ADDRESS: why".
  static Expected<Connection> open(const std::string& address, const Deadline& deadline);

  Connection(Connection&& other) noexcept;
  Connection& operator=(Connection&& other) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // Calls a method with string arguments and waits for its reply; messages that are not our
  // reply (signals, say) are dropped. An error reply comes back as "NAME: message"; errors from
  // the socket or a malformed message as their reason ("Connection timed out").
  Expected<Message> call(std::string_view destination, std::string_view path,
                         std::string_view interface, std::string_view member,
                         std::initializer_list<std::string_view> args, const Deadline& deadline);

 private:
  explicit Connection(int fd) : fd_(fd) {}
  Expected<bool> wait_writable(const Deadline& deadline);
  Expected<bool> authenticate(const Deadline& deadline);
  Expected<bool> send_all(std::string_view bytes, const Deadline& deadline);
  Expected<bool> fill(const Deadline& deadline);  // reads what is there, waiting if nothing is
  Expected<Message> next_message(const Deadline& deadline);

  int fd_ = -1;
  std::uint32_t serial_ = 0;
  std::string in_;  // received, not yet parsed
};

}  // namespace llmon::tuning::dbus
