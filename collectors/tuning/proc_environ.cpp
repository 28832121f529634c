#include "collectors/tuning/proc_environ.hpp"

#include <cerrno>

#include "collectors/process/proc_stat.hpp"
#include "common/fs.hpp"

namespace llmon::tuning {

namespace {

EnvironRead failure(EnvironStatus status, std::string error) {
  return EnvironRead{status, {}, std::move(error)};
}

}  // namespace

Expected<std::vector<EnvVar>> parse_environ(std::string_view text) {
  std::vector<EnvVar> vars;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto nul = text.find('\0', pos);
    const auto end = nul == std::string_view::npos ? text.size() : nul;
    const std::string_view entry = text.substr(pos, end - pos);
    pos = end + 1;
    const auto eq = entry.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    if (vars.size() == kMaxEnvironVars) {
      return make_error("more than " + std::to_string(kMaxEnvironVars) + " environment variables");
    }
    vars.push_back(EnvVar{std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1))});
  }
  return vars;
}

const EnvVar* find_env(const std::vector<EnvVar>& vars, std::string_view name) {
  for (const auto& v : vars) {
    if (v.name == name) return &v;
  }
  return nullptr;
}

EnvironRead read_environ(const std::filesystem::path& procfs_root, int pid) {
  const auto dir = procfs_root / std::to_string(pid);
  const auto path = dir / "environ";
  ReadResult r = read_file(path, kMaxEnvironBytes);
  if (!r.ok()) {
    switch (r.error_number) {
      case EACCES:
      case EPERM:
        return failure(EnvironStatus::kPermissionDenied,
                       "cannot read " + path.string() +
                           ": permission denied (the kernel's PTRACE_MODE_READ_FSCREDS check: "
                           "llmon must run as the same user and group as process " +
                           std::to_string(pid) +
                           ", or with CAP_SYS_PTRACE; see docs/tuning-drift.md \"reading "
                           "Ollama's environment\")");
      case ENOENT:
      case ESRCH:
        return failure(EnvironStatus::kGone, "cannot read " + path.string() + ": process " +
                                                 std::to_string(pid) + " is gone");
      default:
        return failure(EnvironStatus::kError, "cannot read " + r.error);
    }
  }
  if (r.content.empty()) {
    // A process that exited between open and read, or a zombie, reads as empty: only a live
    // process's empty read is an empty environment.
    const ReadResult stat = read_file(dir / "stat");
    const auto st = stat.ok() ? proc::parse_pid_stat(stat.content) : std::nullopt;
    if (!st || st->state == 'Z' || st->state == 'X') {
      return failure(EnvironStatus::kGone, "cannot read " + path.string() + ": process " +
                                               std::to_string(pid) + " has exited");
    }
  }
  auto vars = parse_environ(r.content);
  if (!vars) return failure(EnvironStatus::kError, path.string() + ": " + vars.error().message);
  return EnvironRead{EnvironStatus::kOk, std::move(vars).value(), {}};
}

}  // namespace llmon::tuning
