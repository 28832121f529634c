#pragma once
// What one benchmark cycle will do with each model: pure, so the never-load rules are tested
// without any server.
#include <optional>
#include <string>
#include <vector>

#include "collectors/ollama/api.hpp"

namespace llmon::bench {

// The num_ctx to send for a loaded model whose /api/ps context_length is `reported`: exactly
// that value, or nothing when it is absent or not positive (0 comes from servers before a runner
// reports it; sending it would make Ollama reload the model with a 4-token context).
std::optional<std::int64_t> usable_num_ctx(std::optional<std::int64_t> reported);

struct PlannedModel {
  std::string model;
  bool loaded = false;
  std::optional<std::int64_t> num_ctx;  // usable_num_ctx of the loaded model's context length
  bool skip_not_loaded = false;         // only_loaded and not loaded: send it nothing
};

// `wanted` empty means every loaded model. With only_loaded, models not in `loaded` are
// planned as skips; otherwise they run (and Ollama will load them), with no num_ctx.
std::vector<PlannedModel> plan_models(const std::vector<std::string>& wanted,
                                      const std::vector<ollama::LoadedModel>& loaded,
                                      bool only_loaded);

}  // namespace llmon::bench
