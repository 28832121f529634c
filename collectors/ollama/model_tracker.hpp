#pragma once
// LoadTracker: counts models appearing in and leaving /api/ps between successful polls.
// Not thread-safe; owned by one Ollama collector.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "collectors/ollama/api.hpp"
#include "collectors/ollama/model_limits.hpp"

namespace llmon::ollama {

struct ModelCounters {
  double loads = 0;
  double unloads = 0;
};

class LoadTracker {
 public:
  // Counters are kept for at most `max_models` models: beyond, those of the models that left
  // /api/ps longest ago are forgotten (a server cycling through names cannot grow them forever).
  explicit LoadTracker(std::size_t max_models = kMaxTrackedModels) : max_models_(max_models) {}

  // The first poll only records what is loaded (llmon did not see those loads happen); later
  // polls count the difference. A model reloaded under the same name with another digest or
  // context length (a num_ctx change forces that) counts as one unload and one load.
  void observe(const std::vector<LoadedModel>& loaded);
  // Every model seen so far and not forgotten, including ones no longer loaded.
  const std::map<std::string, ModelCounters>& counters() const { return counters_; }
  // Models whose counters were forgotten, since the start.
  std::uint64_t forgotten() const { return forgotten_; }

 private:
  struct Identity {
    std::string digest;
    std::optional<std::int64_t> context_length;
    bool operator==(const Identity&) const = default;
  };
  void forget_beyond_limit(const std::map<std::string, Identity>& now);

  std::size_t max_models_;
  std::optional<std::map<std::string, Identity>> previous_;
  std::map<std::string, ModelCounters> counters_;
  std::map<std::string, std::uint64_t> last_seen_;  // the poll a model was last loaded at
  std::uint64_t polls_ = 0;
  std::uint64_t forgotten_ = 0;
};

}  // namespace llmon::ollama
