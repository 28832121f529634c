#pragma once
// LoadTracker: counts models appearing in and leaving /api/ps between successful polls.
// Not thread-safe; owned by one Ollama collector.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "collectors/ollama/api.hpp"

namespace llmon::ollama {

struct ModelCounters {
  double loads = 0;
  double unloads = 0;
};

class LoadTracker {
 public:
  // The first poll only records what is loaded (llmon did not see those loads happen); later
  // polls count the difference. A model reloaded under the same name with another digest or
  // context length (a num_ctx change forces that) counts as one unload and one load.
  void observe(const std::vector<LoadedModel>& loaded);
  // Every model seen so far, including ones no longer loaded.
  const std::map<std::string, ModelCounters>& counters() const { return counters_; }

 private:
  struct Identity {
    std::string digest;
    std::optional<std::int64_t> context_length;
    bool operator==(const Identity&) const = default;
  };
  std::optional<std::map<std::string, Identity>> previous_;
  std::map<std::string, ModelCounters> counters_;
};

}  // namespace llmon::ollama
