// Stale ROCm SMI mutexes: real process-shared pthread mutexes, left locked by a process that
// really ended while holding them, as librocm_smi64 keeps them in /dev/shm/rocm_smi_card<N>.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "collectors/gpu/gpu_collector.hpp"
#include "collectors/gpu/rocm_smi_backend.hpp"
#include "collectors/gpu/rocm_smi_mutex.hpp"
#include "metrics_test_support.hpp"

namespace fs = std::filesystem;
using llmon::gpu::RocmSmiHost;

namespace {

class ShmDir {
 public:
  ShmDir() : path_(fs::temp_directory_path() / ("llmon-shm-" + std::to_string(::getpid()))) {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~ShmDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  RocmSmiHost host() const { return {path_, "/proc"}; }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// A mutex file as the library makes one (process-shared, recursive, robust unless told not),
// mapped shared so that other processes lock the very same mutex.
class MutexFile {
 public:
  MutexFile(const fs::path& file, bool robust) {
    const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0666);
    REQUIRE(fd >= 0);
    REQUIRE(::ftruncate(fd, sizeof(pthread_mutex_t)) == 0);
    void* addr =
        ::mmap(nullptr, sizeof(pthread_mutex_t), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ::close(fd);
    REQUIRE(addr != MAP_FAILED);
    mutex_ = static_cast<pthread_mutex_t*>(addr);
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
    if (robust) pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
    REQUIRE(pthread_mutex_init(mutex_, &attr) == 0);
    pthread_mutexattr_destroy(&attr);
  }
  ~MutexFile() { ::munmap(mutex_, sizeof(pthread_mutex_t)); }
  pthread_mutex_t* get() const { return mutex_; }

  // A child process locks it and exits without unlocking: the owner ends holding it.
  void abandon_in_child() const {
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      pthread_mutex_lock(mutex_);
      ::_exit(0);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
  }

 private:
  pthread_mutex_t* mutex_ = nullptr;
};

std::span<const std::byte> image(const pthread_mutex_t* mutex) {
  return {reinterpret_cast<const std::byte*>(mutex), sizeof *mutex};
}

void use_script(const fs::path& file, const std::string& text) {
  std::ofstream(file) << text;
  setenv("FAKE_ROCM_SMI_SCRIPT", file.c_str(), 1);
}

}  // namespace

TEST_CASE("rocm_smi mutex: parse_shm_mutex reads glibc's mutex image") {
  ShmDir dir;
  MutexFile file(dir.path() / "rocm_smi_card1", true);
  auto state = llmon::gpu::parse_shm_mutex(image(file.get()));
  REQUIRE(state);
  CHECK_FALSE(state->locked);
  CHECK(state->owner_tid == 0);

  REQUIRE(pthread_mutex_lock(file.get()) == 0);
  state = llmon::gpu::parse_shm_mutex(image(file.get()));
  CHECK(state->locked);
  CHECK_FALSE(state->owner_died);
  CHECK(state->owner_tid == ::syscall(SYS_gettid));
  pthread_mutex_unlock(file.get());

  CHECK_FALSE(llmon::gpu::parse_shm_mutex(image(file.get()).first(sizeof(pthread_mutex_t) - 1)));
}

TEST_CASE("rocm_smi mutex: an owner that ended holding it is found, a healthy one is not") {
  ShmDir dir;
  MutexFile healthy(dir.path() / "rocm_smi_card0", true);
  MutexFile robust(dir.path() / "rocm_smi_card1", true);
  MutexFile plain(dir.path() / "rocm_smi_card2", false);
  MutexFile unrelated(dir.path() / "other_program", false);
  robust.abandon_in_child();
  plain.abandon_in_child();
  unrelated.abandon_in_child();

  const auto problems = llmon::gpu::find_stuck_rocm_smi_mutexes(dir.host(), false);
  REQUIRE(problems.size() == 2);
  CHECK(problems[0].file == dir.path() / "rocm_smi_card1");
  CHECK(problems[0].why.find("ended while holding it") != std::string::npos);
  CHECK(problems[1].file == dir.path() / "rocm_smi_card2");
  CHECK(problems[1].why.find("which no longer exists") != std::string::npos);

  const std::string text = llmon::gpu::describe_stuck_mutexes(problems);
  CHECK(text.find((dir.path() / "rocm_smi_card1").string() + " is a stale ROCm SMI mutex") !=
        std::string::npos);
  CHECK(text.find("no other ROCm SMI program runs") != std::string::npos);
  CHECK(text.find("rm " + (dir.path() / "rocm_smi_card1").string() + " " +
                  (dir.path() / "rocm_smi_card2").string()) != std::string::npos);
}

TEST_CASE("rocm_smi mutex: a live holder counts only once rsmi_init has given up on it") {
  ShmDir dir;
  MutexFile held(dir.path() / "rocm_smi_card0", true);
  REQUIRE(pthread_mutex_lock(held.get()) == 0);  // this very thread, alive
  CHECK(llmon::gpu::find_stuck_rocm_smi_mutexes(dir.host(), false).empty());
  const auto after_init = llmon::gpu::find_stuck_rocm_smi_mutexes(dir.host(), true);
  REQUIRE(after_init.size() == 1);
  CHECK(after_init[0].why.find("has not released it for 5 s") != std::string::npos);
  pthread_mutex_unlock(held.get());
  CHECK(llmon::gpu::find_stuck_rocm_smi_mutexes(dir.host(), true).empty());
  // No directory at all (no ROCm SMI ever ran) is nothing to report.
  CHECK(llmon::gpu::find_stuck_rocm_smi_mutexes({dir.path() / "none", "/proc"}, true).empty());
}

TEST_CASE("rocm_smi mutex: a stale mutex stops the backend before rsmi_init, naming the file") {
  ShmDir dir;
  use_script(dir.path() / "script", "init INIT_ERROR\n");
  MutexFile stale(dir.path() / "rocm_smi_card1", true);
  stale.abandon_in_child();
  auto backend = llmon::gpu::make_rocm_smi_backend(LLMON_FAKE_ROCM_SMI, "/sys", dir.host());
  REQUIRE_FALSE(backend);
  const std::string& message = backend.error().message;
  CHECK(message.find("not initialised") != std::string::npos);  // rsmi_init was not called
  CHECK(message.find("rsmi_init failed") == std::string::npos);
  CHECK(message.find((dir.path() / "rocm_smi_card1").string()) != std::string::npos);

  // One still held by a live thread is reported once rsmi_init has failed (INIT_ERROR here).
  fs::remove(dir.path() / "rocm_smi_card1");
  MutexFile held(dir.path() / "rocm_smi_card0", true);
  REQUIRE(pthread_mutex_lock(held.get()) == 0);
  backend = llmon::gpu::make_rocm_smi_backend(LLMON_FAKE_ROCM_SMI, "/sys", dir.host());
  REQUIRE_FALSE(backend);
  CHECK(backend.error().message.find("rsmi_init failed: RSMI_STATUS_INIT_ERROR") !=
        std::string::npos);
  CHECK(backend.error().message.find("rocm_smi_card0 is a stale ROCm SMI mutex") !=
        std::string::npos);
  pthread_mutex_unlock(held.get());
}

TEST_CASE("rocm_smi mutex: auto falls back to sysfs, an explicit rocm_smi fails with the file") {
  ShmDir dir;
  use_script(dir.path() / "script", "abi 6\ndevices 1\ndev 0 pci_id 0xc500\n");
  MutexFile stale(dir.path() / "rocm_smi_card1", true);
  stale.abandon_in_child();
  llmon::GpuConfig config;
  config.sysfs_root = LLMON_FIXTURES_DIR "/sysfs/strix_halo";
  config.rocm_smi_library = LLMON_FAKE_ROCM_SMI_V6;
  config.backend = "auto";
  llmon::gpu::GpuMonitor automatic(config, dir.host());
  CHECK(llmon::test::has(llmon::test::render(automatic.collect_full()),
                         "llmon_gpu_devices{backend=\"sysfs\"} 1"));
  config.backend = "rocm_smi";
  llmon::gpu::GpuMonitor explicit_rocm(config, dir.host());
  CHECK_THROWS_WITH(explicit_rocm.collect_full(), doctest::Contains("rocm_smi_card1"));
  // Once the file is gone, rocm_smi is used again.
  fs::remove(dir.path() / "rocm_smi_card1");
  llmon::gpu::GpuMonitor repaired(config, dir.host());
  CHECK(llmon::test::has(llmon::test::render(repaired.collect_full()),
                         "llmon_gpu_devices{backend=\"rocm_smi\"} 1"));
}
