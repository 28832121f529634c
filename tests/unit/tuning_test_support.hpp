#pragma once
// Helpers for the tuning tests: a scratch procfs/sysfs tree, a stat line, and running a check as
// an unprivileged user. Not thread-safe (tests run one at a time).
#include <grp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

namespace llmon::test {

// A directory under the temp dir, removed at scope exit; files are written with their parents.
class TempTree {
 public:
  TempTree() {
    static std::atomic<int> counter{0};
    root_ = std::filesystem::temp_directory_path() /
            ("llmon-tuning-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_);
  }
  ~TempTree() {
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
  TempTree(const TempTree&) = delete;
  TempTree& operator=(const TempTree&) = delete;

  const std::filesystem::path& root() const { return root_; }
  std::filesystem::path write(const std::filesystem::path& relative,
                              const std::string& content) const {
    const auto path = root_ / relative;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }
  void mkdir(const std::filesystem::path& relative) const {
    std::filesystem::create_directories(root_ / relative);
  }

 private:
  std::filesystem::path root_;
};

// A full /proc/<pid>/stat line (52 fields) with the fields the parsers read.
inline std::string stat_line(int pid, const std::string& comm, char state, int ppid,
                             unsigned long long utime, unsigned long long stime,
                             unsigned long long starttime, unsigned long long rss_pages) {
  return std::to_string(pid) + " (" + comm + ") " + state + " " + std::to_string(ppid) +
         " 812 812 0 -1 4194560 100 0 0 0 " + std::to_string(utime) + " " + std::to_string(stime) +
         " 0 0 20 0 12 0 " + std::to_string(starttime) + " 8589934592 " +
         std::to_string(rss_pages) +
         " 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 3 0 0 0 0 0 0 0 0 0 0 0 0 0\n";
}

// Runs `check` in a child process as uid/gid 65534 (nobody) and returns its exit status, or
// -1 when the child could not drop privileges (the test then cannot run here).
inline int run_as_nobody(const std::function<int()>& check) {
  const pid_t child = ::fork();
  if (child == 0) {
    if (::setgroups(0, nullptr) != 0 || ::setresgid(65534, 65534, 65534) != 0 ||
        ::setresuid(65534, 65534, 65534) != 0) {
      ::_exit(255);
    }
    ::_exit(check());
  }
  int status = 0;
  if (child < 0 || ::waitpid(child, &status, 0) != child || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status) == 255 ? -1 : WEXITSTATUS(status);
}

}  // namespace llmon::test
