// notify_listener PATH: a stand-in for systemd's notification socket. Binds an AF_UNIX
// datagram socket at PATH (the test points NOTIFY_SOCKET at it) and prints every datagram
// received as one line, "<milliseconds since start> <fields separated by spaces>", flushed
// at once so a test can poll the output. Runs until killed.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

int main(int argc, char** argv) {
  if (argc != 2 || std::strlen(argv[1]) >= sizeof(sockaddr_un::sun_path)) {
    std::fprintf(stderr, "usage: notify_listener PATH (shorter than 108 bytes)\n");
    return 2;
  }
  const int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strcpy(addr.sun_path, argv[1]);
  unlink(argv[1]);
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    std::perror("notify_listener: bind");
    return 1;
  }
  std::fprintf(stderr, "notify_listener: listening on %s\n", argv[1]);
  const auto start = std::chrono::steady_clock::now();
  char buffer[4096];
  for (;;) {
    const ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
    if (n < 0) continue;
    std::string text(buffer, static_cast<std::size_t>(n));
    for (char& c : text) {
      if (c == '\n') c = ' ';
    }
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - start)
                        .count();
    std::printf("%lld %s\n", static_cast<long long>(ms), text.c_str());
    std::fflush(stdout);
  }
}
