#pragma once
// The llmon_ollama_* families of one instance from one poll. Pure function.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "collectors/ollama/api.hpp"
#include "collectors/ollama/model_tracker.hpp"
#include "collectors/process/proc_stat.hpp"
#include "common/metrics.hpp"

namespace llmon::ollama {

struct PollResult {
  std::string instance;  // the `ollama` label
  bool up = false;
  std::string version;
  std::vector<LoadedModel> loaded;
  std::optional<std::vector<AvailableModel>> available;
  std::optional<proc::ProcessUsage> process;
};

// Ollama's CLI shows an expiry more than this far ahead as "Forever" (a negative keep_alive
// pins a model ~292 years ahead); llmon exports +Inf for it.
inline constexpr double kForeverSeconds = 20.0 * 365.25 * 86400;

MetricFamilies ollama_families(const PollResult& poll,
                               const std::map<std::string, ModelCounters>& counters, double now);

}  // namespace llmon::ollama
