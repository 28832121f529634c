#include "collectors/tuning/dbus_connection.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <utility>

namespace llmon::tuning::dbus {

namespace {

constexpr std::size_t kMaxAuthLine = 4096;
constexpr std::size_t kReadChunk = 16384;

Error errno_error(int error) { return make_error(std::strerror(error)); }

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Waits until the socket is ready for `events`, or the deadline passes (ETIMEDOUT).
Expected<bool> wait_for(int fd, short events, const Deadline& deadline) {
  for (;;) {
    const int left = deadline.remaining_ms();
    if (left == 0) return errno_error(ETIMEDOUT);
    pollfd p{fd, events, 0};
    const int r = ::poll(&p, 1, left);
    if (r > 0) return true;  // including POLLERR/POLLHUP: the next read or write says which
    if (r < 0 && errno != EINTR) return errno_error(errno);
  }
}

std::string hex(std::string_view s) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (const char c : s) {
    out += kDigits[static_cast<unsigned char>(c) >> 4];
    out += kDigits[static_cast<unsigned char>(c) & 0xf];
  }
  return out;
}

}  // namespace

int Deadline::remaining_ms() const {
  const auto left = end_ - std::chrono::steady_clock::now();
  if (left <= std::chrono::steady_clock::duration::zero()) return 0;
  return static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(left).count());
}

Expected<SocketAddress> parse_address(std::string_view address) {
  while (!address.empty()) {
    const std::size_t semicolon = address.find(';');
    std::string_view entry = address.substr(0, semicolon);
    address = semicolon == std::string_view::npos ? "" : address.substr(semicolon + 1);
    if (entry.substr(0, 5) != "unix:") continue;
    entry.remove_prefix(5);
    while (!entry.empty()) {
      const std::size_t comma = entry.find(',');
      const std::string_view pair = entry.substr(0, comma);
      entry = comma == std::string_view::npos ? "" : entry.substr(comma + 1);
      const std::size_t eq = pair.find('=');
      const std::string_view key = pair.substr(0, eq);
      if (eq == std::string_view::npos || (key != "path" && key != "abstract")) continue;
      SocketAddress out;
      out.abstract = key == "abstract";
      const std::string_view value = pair.substr(eq + 1);
      for (std::size_t i = 0; i < value.size(); ++i) {
        if (value[i] != '%') {
          out.path += value[i];
          continue;
        }
        const int hi = i + 2 < value.size() ? hex_digit(value[i + 1]) : -1;
        const int lo = hi >= 0 ? hex_digit(value[i + 2]) : -1;
        if (lo < 0) return make_error("bad %-escape in D-Bus address");
        out.path += static_cast<char>(hi * 16 + lo);
        i += 2;
      }
      if (out.path.empty()) return make_error("empty socket path in D-Bus address");
      return out;
    }
  }
  return make_error("not a D-Bus address with unix:path= or unix:abstract=");
}

Connection::Connection(Connection&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), serial_(other.serial_), in_(std::move(other.in_)) {}

Connection& Connection::operator=(Connection&& other) noexcept {
  std::swap(fd_, other.fd_);
  std::swap(serial_, other.serial_);
  std::swap(in_, other.in_);
  return *this;
}

Connection::~Connection() {
  if (fd_ >= 0) ::close(fd_);
}

Expected<Connection> Connection::open(const std::string& address, const Deadline& deadline) {
  const auto fail = [&](const Error& e) {
    return make_error("connecting to " + address + ": " + e.message);
  };
  const auto target = parse_address(address);
  if (!target) return fail(target.error());
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  const std::size_t offset = target->abstract ? 1 : 0;  // an abstract name starts with a NUL
  if (target->path.size() + offset >= sizeof sa.sun_path) return fail(errno_error(ENAMETOOLONG));
  target->path.copy(sa.sun_path + offset, target->path.size());
  const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + offset +
                                             target->path.size() + (target->abstract ? 0 : 1));
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return fail(errno_error(errno));
  Connection c(fd);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&sa), length) != 0) {
    if (errno != EINPROGRESS) return fail(errno_error(errno));
    if (auto ready = c.wait_writable(deadline); !ready) return fail(ready.error());
    int error = 0;
    socklen_t size = sizeof error;
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size) != 0) error = errno;
    if (error != 0) return fail(errno_error(error));
  }
  if (auto ok = c.authenticate(deadline); !ok) return fail(ok.error());
  auto hello = c.call("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                      "Hello", {}, deadline);
  if (!hello) return fail(hello.error());
  return c;
}

Expected<bool> Connection::wait_writable(const Deadline& deadline) {
  return wait_for(fd_, POLLOUT, deadline);
}

Expected<bool> Connection::authenticate(const Deadline& deadline) {
  const std::string request =
      std::string(1, '\0') + "AUTH EXTERNAL " + hex(std::to_string(::geteuid())) + "\r\n";
  if (auto sent = send_all(request, deadline); !sent) return sent.error();
  std::size_t end = 0;
  while ((end = in_.find("\r\n")) == std::string::npos) {
    if (in_.size() > kMaxAuthLine) return make_error("authentication reply too long");
    if (auto more = fill(deadline); !more) return more.error();
  }
  const std::string line = in_.substr(0, std::min(end, std::size_t{200}));
  in_.erase(0, end + 2);
  if (line.rfind("OK ", 0) != 0) return make_error("authentication failed: " + line);
  return send_all("BEGIN\r\n", deadline);
}

Expected<bool> Connection::send_all(std::string_view bytes, const Deadline& deadline) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n > 0) {
      bytes.remove_prefix(static_cast<std::size_t>(n));
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (auto ready = wait_writable(deadline); !ready) return ready.error();
    } else if (n < 0 && errno != EINTR) {
      return errno_error(errno);
    }
  }
  return true;
}

Expected<bool> Connection::fill(const Deadline& deadline) {
  char buf[kReadChunk];
  for (;;) {
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n > 0) {
      in_.append(buf, static_cast<std::size_t>(n));
      return true;
    }
    if (n == 0) return make_error("the bus closed the connection");
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (auto ready = wait_for(fd_, POLLIN, deadline); !ready) return ready.error();
    } else if (errno != EINTR) {
      return errno_error(errno);
    }
  }
}

Expected<Message> Connection::next_message(const Deadline& deadline) {
  for (;;) {
    if (in_.size() >= kFixedHeader) {
      const auto length = message_length(in_);
      if (!length) return length.error();
      if (in_.size() >= *length) {
        auto m = parse_message(std::string_view(in_).substr(0, *length));
        in_.erase(0, *length);
        return m;
      }
    }
    if (auto more = fill(deadline); !more) return more.error();
  }
}

Expected<Message> Connection::call(std::string_view destination, std::string_view path,
                                   std::string_view interface, std::string_view member,
                                   std::initializer_list<std::string_view> args,
                                   const Deadline& deadline) {
  if (++serial_ == 0) ++serial_;
  const std::uint32_t serial = serial_;
  for (const auto arg : args) {
    if (arg.find('\0') != std::string_view::npos) return make_error("argument with a NUL byte");
  }
  const std::string request = marshal_call(serial, destination, path, interface, member, args);
  if (auto sent = send_all(request, deadline); !sent) return sent.error();
  for (;;) {
    auto m = next_message(deadline);
    if (!m) return m.error();
    const bool reply = m->type == MessageType::kMethodReturn || m->type == MessageType::kError;
    if (!reply || m->reply_serial != serial) continue;
    if (m->type == MessageType::kError) return make_error(error_text(*m));
    return m;
  }
}

}  // namespace llmon::tuning::dbus
