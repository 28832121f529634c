#include "common/fs.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace llmon {

namespace {

ReadStatus classify(int err) {
  switch (err) {
    case ENOENT:
    case ENOTDIR:
      return ReadStatus::kNotFound;
    case EOPNOTSUPP:
    case EINVAL:
    case ENODEV:
    case ENXIO:
    case ENODATA:
      return ReadStatus::kNotSupported;
    default:
      return ReadStatus::kError;
  }
}

ReadResult failure(const std::filesystem::path& path, int err) {
  return ReadResult{classify(err), {}, path.string() + ": " + std::strerror(err), err};
}

}  // namespace

ReadResult read_file(const std::filesystem::path& path, std::size_t max_bytes) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return failure(path, errno);
  ReadResult result{ReadStatus::kOk, {}, {}, 0};
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return failure(path, err);
    }
    if (n == 0) break;
    if (result.content.size() + static_cast<std::size_t>(n) > max_bytes) {
      ::close(fd);
      return ReadResult{ReadStatus::kError,
                        {},
                        path.string() + ": larger than " + std::to_string(max_bytes) + " bytes",
                        0};
    }
    result.content.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return result;
}

std::string trim(std::string_view s) {
  const char* ws = " \t\r\n\v\f";
  const auto first = s.find_first_not_of(ws);
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(ws);
  return std::string(s.substr(first, last - first + 1));
}

std::optional<std::string> read_trimmed(const std::filesystem::path& path, std::size_t max_bytes) {
  ReadResult r = read_file(path, max_bytes);
  if (!r.ok()) return std::nullopt;
  return trim(r.content);
}

}  // namespace llmon
