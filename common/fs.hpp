#pragma once
// Small, bounded file reads for sysfs/procfs-style sources. Stateless; safe from any thread.
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>

namespace llmon {

// Why a read produced no content: the distinction feeds "absent" vs "not supported" vs "error".
enum class ReadStatus {
  kOk,
  kNotFound,      // ENOENT / ENOTDIR: the file (or its device) is not there
  kNotSupported,  // EOPNOTSUPP, EINVAL, ENODEV, ENXIO...: the driver refuses this attribute
  kError,         // permission denied, I/O error, file larger than the limit
};

struct ReadResult {
  ReadStatus status = ReadStatus::kError;
  std::string content;   // valid when status == kOk
  std::string error;     // "path: reason" otherwise
  int error_number = 0;  // the errno behind a failed open or read (0 for "larger than")

  bool ok() const { return status == ReadStatus::kOk; }
};

// Reads at most `max_bytes` (a larger file is kError, never unbounded memory). sysfs files
// report size 4096 whatever their content, so this reads until EOF rather than trusting stat.
ReadResult read_file(const std::filesystem::path& path, std::size_t max_bytes = 64 * 1024);

// Content with surrounding whitespace (including the trailing newline) removed, or nullopt.
std::optional<std::string> read_trimmed(const std::filesystem::path& path,
                                        std::size_t max_bytes = 64 * 1024);

std::string trim(std::string_view s);

}  // namespace llmon
