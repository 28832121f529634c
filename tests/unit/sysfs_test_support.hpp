#pragma once
// The sysfs fixture trees (tests/fixtures/sysfs) for unit tests, and private writable copies.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

namespace llmon::test {

inline std::filesystem::path sysfs_fixture(const char* name) {
  return std::filesystem::path(LLMON_FIXTURES_DIR) / "sysfs" / name;
}

// A private, writable copy of a fixture tree (its relative symlinks keep working), removed at
// scope exit. One per process and name: ctest runs test cases as parallel processes.
class TreeCopy {
 public:
  explicit TreeCopy(const char* name)
      : root_(std::filesystem::temp_directory_path() /
              ("llmon-sysfs-" + std::string(name) + "-" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(root_);
    std::filesystem::copy(
        sysfs_fixture(name), root_,
        std::filesystem::copy_options::copy_symlinks | std::filesystem::copy_options::recursive);
  }
  ~TreeCopy() {
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
  TreeCopy(const TreeCopy&) = delete;
  TreeCopy& operator=(const TreeCopy&) = delete;
  const std::filesystem::path& root() const { return root_; }
  // The resolved PCI device directory of class/drm/<card>.
  std::filesystem::path device(const char* card) const {
    return std::filesystem::canonical(root_ / "class/drm" / card / "device");
  }
  void write(const std::filesystem::path& path, const std::string& text) const {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
  }

 private:
  std::filesystem::path root_;
};

}  // namespace llmon::test
