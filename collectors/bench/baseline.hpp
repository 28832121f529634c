#pragma once
// BaselineStore: the last N eval tokens/s of each (Ollama instance, model, prompt), persisted as
// JSON so a speed regression is judged against history that survives restarts.
// Thread-safe: every member locks an internal mutex; save() also serialises concurrent saves.
#include <compare>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace llmon::bench {

struct BaselineKey {
  std::string ollama;  // the instance's configured name
  std::string model;
  std::string prompt;  // BenchPrompt::name
  auto operator<=>(const BaselineKey&) const = default;
};

class BaselineStore {
 public:
  static constexpr std::size_t kMaxFileBytes = 16 * 1024 * 1024;
  static constexpr std::size_t kDefaultMaxKeys = 4096;

  // `window`: values kept per key (0 counts as 1). Beyond `max_keys` keys, the key recorded
  // least recently is dropped, so models benchmarked once long ago cannot grow the file forever.
  BaselineStore(std::filesystem::path file, std::size_t window,
                std::size_t max_keys = kDefaultMaxKeys);

  // Replaces the contents with the file's. A missing file is a normal first start (nullopt);
  // an unreadable, oversized, corrupt or wrongly shaped one returns a warning for the log and
  // leaves the store empty (it is history, not configuration: never a reason to refuse to run).
  std::optional<std::string> load();
  // load() without the file: replaces the contents with a state file's text. Returns what is
  // wrong with the document (then the store is left empty).
  std::optional<std::string> load_text(std::string_view text);

  // Appends one value (non-finite or negative values are ignored), dropping the oldest beyond
  // the window. Values are kept to 12 significant digits, so they survive save and load exactly.
  void record(const BaselineKey& key, double eval_tps);

  // Median of the kept values; absent when there are none.
  std::optional<double> median(const BaselineKey& key) const;
  std::vector<double> values(const BaselineKey& key) const;  // oldest first
  std::size_t size() const;                                  // number of keys

  // Writes every key atomically: a temporary file in the same directory, fsync, rename over the
  // old file, fsync of the directory. Readers see the old or the new file, never a partial one.
  // The directory is never created (the deployment owns it: systemd's StateDirectory=); a
  // missing one is an error that says so. Returns true or why it failed (the temporary file is
  // removed).
  Expected<bool> save();
  // True when values were recorded since the last successful save (or load): an idle box
  // writes nothing.
  bool dirty() const;
  // The state file's text that save() writes and load_text() reads back.
  std::string render() const;

 private:
  struct Entry {
    std::deque<double> values;
    std::uint64_t last_recorded = 0;  // recency order, for eviction and the file's order
  };

  void add_locked(const BaselineKey& key, double value);
  // The file's text and the clock_ it reflects (what a successful save marks as saved).
  struct Snapshot {
    std::string text;
    std::uint64_t clock = 0;
  };
  Snapshot take_snapshot() const;

  const std::filesystem::path file_;
  const std::size_t window_;
  const std::size_t max_keys_;
  mutable std::mutex mutex_;
  // Held across a whole save (taken before mutex_) so that the newest snapshot is the one
  // renamed last; mutex_ itself is not held during file I/O.
  mutable std::mutex save_mutex_;
  std::map<BaselineKey, Entry> entries_;
  std::uint64_t clock_ = 0;
  std::uint64_t saved_clock_ = 0;  // clock_ as of the last successful save or load
};

// Median of `values` (mean of the two middle ones for an even count); NaN when empty.
double median(std::vector<double> values);
// Median absolute deviation: the median of |v - median(values)|. Same unit as the values and,
// like the median, unmoved by one outlier run (a cold load); NaN when empty.
double spread(std::vector<double> values);

}  // namespace llmon::bench
