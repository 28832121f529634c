#include "daemon/sd_notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace llmon {

namespace {

// A whole decimal number and nothing else ("", "+1", "1x", " 1" are not).
template <typename T>
std::optional<T> whole_number(const char* text) {
  T value{};
  const char* end = text + std::strlen(text);
  const auto [ptr, ec] = std::from_chars(text, end, value);
  if (ec != std::errc() || ptr != end || ptr == text) return std::nullopt;
  return value;
}

}  // namespace

bool sd_notify_send(std::string_view state) {
  const char* name = std::getenv("NOTIFY_SOCKET");
  if (name == nullptr || (name[0] != '/' && name[0] != '@')) return false;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  const std::size_t length = std::strlen(name);
  if (length >= sizeof(address.sun_path)) return false;
  std::memcpy(address.sun_path, name, length);
  if (address.sun_path[0] == '@') address.sun_path[0] = '\0';  // the abstract namespace
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const auto size = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + length);
  const ssize_t sent = ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL,
                                reinterpret_cast<const sockaddr*>(&address), size);
  ::close(fd);
  return sent == static_cast<ssize_t>(state.size());
}

std::optional<std::chrono::microseconds> parse_watchdog(const char* usec, const char* pid,
                                                        pid_t self) {
  if (usec == nullptr) return std::nullopt;
  const auto interval = whole_number<std::uint64_t>(usec);
  // systemd hands out at most USEC_INFINITY - 1; what does not fit a signed 64-bit count of
  // microseconds (292,000 years) is as good as no watchdog.
  if (!interval || *interval == 0 ||
      *interval > static_cast<std::uint64_t>(std::chrono::microseconds::max().count())) {
    return std::nullopt;
  }
  if (pid != nullptr) {
    const auto owner = whole_number<pid_t>(pid);
    if (!owner || *owner <= 0 || *owner != self) return std::nullopt;  // meant for another process
  }
  return std::chrono::microseconds(static_cast<std::chrono::microseconds::rep>(*interval));
}

std::optional<std::chrono::microseconds> sd_watchdog_interval() {
  return parse_watchdog(std::getenv("WATCHDOG_USEC"), std::getenv("WATCHDOG_PID"), ::getpid());
}

}  // namespace llmon
