#pragma once
// Reading another process's environment (/proc/<pid>/environ) through a procfs root, with the
// reason when the kernel refuses. Pure parser plus one stateless reader; safe from any thread.
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace llmon::tuning {

// An environment bigger than this is refused rather than half-read: Linux allows a quarter of
// the stack limit (2 MiB by default) for argv and environ together, a service has a few KiB.
inline constexpr std::size_t kMaxEnvironBytes = 256 * 1024;
inline constexpr std::size_t kMaxEnvironVars = 8192;

// One NAME=VALUE entry, bytes as the kernel holds them (not necessarily UTF-8).
struct EnvVar {
  std::string name;
  std::string value;
};

// NUL-separated NAME=VALUE entries in their order, duplicates kept. An entry without '=' or with
// an empty name is skipped (Go's os.Getenv can never return it); the final NUL is optional (a
// process may have overwritten its environment block). More than kMaxEnvironVars entries is an
// error, never a truncated environment, so a missing variable is never made up.
Expected<std::vector<EnvVar>> parse_environ(std::string_view text);

// The value Go's os.Getenv returns: the first entry with that name (Go's copyenv keeps the
// first of duplicates), or nullptr.
const EnvVar* find_env(const std::vector<EnvVar>& vars, std::string_view name);

enum class EnvironStatus {
  kOk,
  kPermissionDenied,  // EACCES/EPERM: the kernel's ptrace access check said no
  kGone,              // the process does not exist (any more), or is a zombie
  kError,             // anything else, including an environment past the bounds above
};

struct EnvironRead {
  EnvironStatus status = EnvironStatus::kError;
  std::vector<EnvVar> vars;  // valid when status == kOk (and then really the environment)
  std::string error;         // a sentence for logs and `llmon doctor` otherwise

  bool ok() const { return status == EnvironStatus::kOk; }
};

// Reads {procfs_root}/<pid>/environ. Access is governed by a PTRACE_MODE_READ_FSCREDS check
// (proc_pid_environ(5), ptrace(2)): the reader's fsuid/fsgid must equal the target's real,
// effective and saved ids and the target must be dumpable, or the reader needs CAP_SYS_PTRACE in
// the target's user namespace. The kPermissionDenied message says so and points at
// docs/tuning-drift.md "reading Ollama's environment". An empty read of a process that exited
// (or is a zombie, whose memory is gone) is kGone, not an empty environment.
EnvironRead read_environ(const std::filesystem::path& procfs_root, int pid);

}  // namespace llmon::tuning
