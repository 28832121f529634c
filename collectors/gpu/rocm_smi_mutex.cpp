#include "collectors/gpu/rocm_smi_mutex.hpp"

#include <pthread.h>

#include <algorithm>
#include <cstring>
#include <system_error>

#include "common/fs.hpp"

namespace llmon::gpu {

namespace {

namespace fs = std::filesystem;

// The futex word of a robust mutex holds the owner's thread id and these flags
// (<linux/futex.h>); that of a plain mutex holds 0, 1 or 2, the owner being in __owner.
constexpr std::uint32_t kFutexWaiters = 0x80000000u;
constexpr std::uint32_t kFutexOwnerDied = 0x40000000u;

bool thread_exists(const fs::path& proc_root, std::int64_t tid) {
  // /proc/<tid> answers for every thread, not only for the processes it lists.
  std::error_code ec;
  return tid > 0 && fs::exists(proc_root / std::to_string(tid), ec);
}

std::string comm_of(const fs::path& proc_root, std::int64_t tid) {
  return read_trimmed(proc_root / std::to_string(tid) / "comm", 64).value_or("");
}

}  // namespace

std::optional<ShmMutexState> parse_shm_mutex(std::span<const std::byte> bytes) {
#if defined(__GLIBC__)
  pthread_mutex_t mutex;
  if (bytes.size() < sizeof mutex) return std::nullopt;
  std::memcpy(&mutex, bytes.data(), sizeof mutex);
  const auto word = static_cast<std::uint32_t>(mutex.__data.__lock);
  ShmMutexState state;
  state.owner_died = (word & kFutexOwnerDied) != 0;
  state.locked = (word & ~kFutexWaiters) != 0;
  if (state.locked) state.owner_tid = mutex.__data.__owner;
  return state;
#else
  (void)bytes;
  return std::nullopt;
#endif
}

std::vector<MutexProblem> find_stuck_rocm_smi_mutexes(const RocmSmiHost& host,
                                                      bool include_live_owners) {
  std::vector<MutexProblem> problems;
  std::error_code ec;
  for (fs::directory_iterator it(host.shm_dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->path().filename().string().starts_with("rocm_smi_card")) continue;
    const ReadResult r = read_file(it->path(), 4096);
    if (!r.ok()) continue;
    const auto state = parse_shm_mutex(
        std::span(reinterpret_cast<const std::byte*>(r.content.data()), r.content.size()));
    if (!state || !state->locked) continue;
    const std::string owner = "thread " + std::to_string(state->owner_tid);
    if (state->owner_died) {
      problems.push_back({it->path(), "its owner, " + owner + ", ended while holding it"});
    } else if (!thread_exists(host.proc_root, state->owner_tid)) {
      problems.push_back({it->path(), "it is held by " + owner + ", which no longer exists"});
    } else if (include_live_owners) {
      const std::string comm = comm_of(host.proc_root, state->owner_tid);
      problems.push_back({it->path(), "it is held by " + owner +
                                          (comm.empty() ? "" : " (" + comm + ")") +
                                          ", which has not released it for 5 s"});
    }
  }
  std::sort(problems.begin(), problems.end(),
            [](const MutexProblem& a, const MutexProblem& b) { return a.file < b.file; });
  return problems;
}

std::string describe_stuck_mutexes(const std::vector<MutexProblem>& problems) {
  std::string text;
  std::string files;
  for (const MutexProblem& p : problems) {
    text += (text.empty() ? "" : "; ") + p.file.string() + " is a stale ROCm SMI mutex: " + p.why;
    files += " " + p.file.string();
  }
  return text +
         ". rsmi_init cannot get past it (it waits 5 s and fails, or leaves llmon to hang "
         "later). Make sure no other ROCm SMI program runs (rocm-smi, amd-smi, another "
         "monitor), then remove it: rm" +
         files;
}

}  // namespace llmon::gpu
