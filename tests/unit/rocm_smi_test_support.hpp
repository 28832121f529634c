#pragma once
// The fake librocm_smi64 builds (tests/support/fake_rocm_smi) for unit tests: a scratch
// directory per test, the script the fake answers from, and a backend over it.
#include <dlfcn.h>
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "collectors/gpu/rocm_smi_backend.hpp"

namespace llmon::test {

namespace fs = std::filesystem;

// A fresh directory per test case, removed afterwards; ctest runs cases as parallel processes.
class TempDir {
 public:
  TempDir() {
    static int counter = 0;
    path_ = fs::temp_directory_path() /
            ("llmon-rsmi-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }
  void write(const fs::path& relative, const std::string& text) const {
    fs::create_directories((path_ / relative).parent_path());
    std::ofstream(path_ / relative) << text;
  }

 private:
  fs::path path_;
};

// Points the fake at `script`; every rsmi_init (one per backend) re-reads it.
inline void use_script(const TempDir& dir, const std::string& script) {
  dir.write("script", script);
  setenv("FAKE_ROCM_SMI_SCRIPT", (dir.path() / "script").c_str(), 1);
}

// The fakes of both library generations (tests/support/fake_rocm_smi): what a real library
// exports is fixed at build time, so each generation is its own build.
inline constexpr const char* kRocm5 = LLMON_FAKE_ROCM_SMI;
inline constexpr const char* kRocm6 = LLMON_FAKE_ROCM_SMI_V6;

inline std::unique_ptr<llmon::gpu::GpuBackend> fake_backend(const TempDir& dir,
                                                            const char* library = kRocm5,
                                                            const fs::path& sysfs = {}) {
  auto backend =
      llmon::gpu::make_rocm_smi_backend(library, sysfs.empty() ? dir.path() / "sys" : sysfs);
  if (!backend) FAIL(backend.error().message);
  return std::move(backend).value();
}

// A test hook of the fake: how often rsmi_dev_gpu_clk_freq_get has been called.
inline int clock_calls(const char* library) {
  void* fake = dlopen(library, RTLD_NOW | RTLD_LOCAL);
  REQUIRE(fake != nullptr);
  auto calls = reinterpret_cast<int (*)()>(dlsym(fake, "fake_rocm_smi_clock_calls"));
  REQUIRE(reinterpret_cast<void*>(calls) != nullptr);
  const int n = calls();
  dlclose(fake);
  return n;
}

}  // namespace llmon::test
