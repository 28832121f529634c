#pragma once
// UnitBox: a fake root with systemd's unit directories for the unit-resolution tests, and
// helpers to read their results. Test support; not thread-safe.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "collectors/tuning/unit_resolve.hpp"

namespace llmon::tuning {

namespace fs = std::filesystem;

inline constexpr const char* kSvc = "[Service]\nExecStart=/bin/true\nEnvironment=BASE=%s\n";

// A fake root with the system unit directories; removed at scope exit.
class UnitBox {
 public:
  UnitBox() {
    std::string tmpl = (fs::temp_directory_path() / "llmon-units-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    root_ = tmpl;
    for (const auto& d : dirs()) fs::create_directories(d);
  }
  ~UnitBox() {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  UnitBox(const UnitBox&) = delete;
  UnitBox& operator=(const UnitBox&) = delete;

  const fs::path& root() const { return root_; }
  std::vector<fs::path> dirs() const {
    return {root_ / "etc/systemd/system", root_ / "run/systemd/system",
            root_ / "usr/lib/systemd/system"};
  }
  fs::path etc(const std::string& rel) const { return root_ / "etc/systemd/system" / rel; }
  fs::path run(const std::string& rel) const { return root_ / "run/systemd/system" / rel; }
  fs::path usr(const std::string& rel) const { return root_ / "usr/lib/systemd/system" / rel; }

  // Writes `content` at `path` with mtime `mtime` (unix seconds).
  static void write(const fs::path& path, const std::string& content, long mtime = 1700000000) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << content;
    const struct timespec times[2] = {{mtime, 0}, {mtime, 0}};
    REQUIRE(::utimensat(AT_FDCWD, path.c_str(), times, 0) == 0);
  }
  static void service(const fs::path& path, const std::string& base) {
    std::string text = kSvc;
    text.replace(text.find("%s"), 2, base);
    write(path, text);
  }
  static void link(const fs::path& path, const fs::path& target) {
    fs::create_directories(path.parent_path());
    fs::create_symlink(target, path);
  }

 private:
  fs::path root_;
};

inline std::string env_of(const std::vector<UnitEnvVar>& vars) {
  std::string out;
  for (const auto& v : vars) out += (out.empty() ? "" : " ") + v.name + "=" + v.value;
  return out;
}

inline std::vector<std::string> relative(const UnitBox& box, const std::vector<fs::path>& paths) {
  std::vector<std::string> out;
  for (const auto& p : paths) out.push_back(p.lexically_relative(box.root()).string());
  return out;
}

}  // namespace llmon::tuning
