#pragma once
// The llmon_ollama_* families of one instance from one poll. Pure function.
#include <cstdint>
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
  std::vector<LoadedModel> loaded;  // at most kMaxLoadedModels (parse_ps with a limit)
  std::optional<std::vector<AvailableModel>> available;
  std::optional<proc::ProcessUsage> process;
  std::size_t loaded_left_out = 0;  // /api/ps entries beyond kMaxLoadedModels, not in `loaded`
  // llmon_ollama_dropped_models_total, kept by the collector across polls.
  std::uint64_t dropped_models_total = 0;
};

// Ollama's CLI shows an expiry more than this far ahead as "Forever" (a negative keep_alive
// pins a model ~292 years ahead); llmon exports +Inf for it.
inline constexpr double kForeverSeconds = 20.0 * 365.25 * 86400;

MetricFamilies ollama_families(const PollResult& poll,
                               const std::map<std::string, ModelCounters>& counters, double now);

}  // namespace llmon::ollama
