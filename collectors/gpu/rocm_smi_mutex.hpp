#pragma once
// ROCm SMI's per-card mutexes: librocm_smi64 keeps a process-shared pthread mutex in
// /dev/shm/rocm_smi_card<N>. One left locked by a process that died in a library call (an
// assert() abort, a kill) makes every later rsmi_init wait 5 s and fail with INIT_ERROR, and
// the 5.x library's recovery from a dead owner leaves the mutex held by the initialising thread,
// so the next call from any other thread blocks forever. llmon inspects the files (read-only,
// never locking them) before calling rsmi_init. Stateless functions; safe from any thread.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace llmon::gpu {

// Where the library keeps its mutexes, and where to tell whether their owners still run.
struct RocmSmiHost {
  std::filesystem::path shm_dir = "/dev/shm";
  std::filesystem::path proc_root = "/proc";
};

// The state of a mutex file: the image of a glibc pthread_mutex_t.
struct ShmMutexState {
  bool locked = false;
  // A robust mutex whose owner ended while holding it (the kernel marks it): the next locker
  // has to repair it, which the 5.x library does not do correctly.
  bool owner_died = false;
  std::int64_t owner_tid = 0;  // 0 when unlocked
};

// nullopt when `bytes` is shorter than a pthread_mutex_t, or on a C library whose mutex layout
// llmon does not know (anything but glibc).
std::optional<ShmMutexState> parse_shm_mutex(std::span<const std::byte> bytes);

struct MutexProblem {
  std::filesystem::path file;
  std::string why;  // "its owner, thread 31817, ended while holding it"
};

// rocm_smi_card* files under host.shm_dir whose mutex no rsmi_init can get past: an owner that
// died holding it, or one held by a thread that no longer exists under host.proc_root. With
// `include_live_owners`, also those held by a thread that does exist (after rsmi_init has
// waited 5 s for them, that holder is stuck). Unreadable files are skipped.
std::vector<MutexProblem> find_stuck_rocm_smi_mutexes(const RocmSmiHost& host,
                                                      bool include_live_owners);

// One sentence naming every file and what to do about it, for logs and errors.
std::string describe_stuck_mutexes(const std::vector<MutexProblem>& problems);

}  // namespace llmon::gpu
