#include "collectors/bench/plan.hpp"

namespace llmon::bench {

std::optional<std::int64_t> usable_num_ctx(std::optional<std::int64_t> reported) {
  if (reported && *reported > 0) return reported;
  return std::nullopt;
}

std::vector<PlannedModel> plan_models(const std::vector<std::string>& wanted,
                                      const std::vector<ollama::LoadedModel>& loaded,
                                      bool only_loaded) {
  std::vector<PlannedModel> out;
  auto find = [&](const std::string& name) -> const ollama::LoadedModel* {
    for (const auto& m : loaded) {
      if (m.name == name || m.model == name) return &m;
    }
    return nullptr;
  };
  if (wanted.empty()) {
    for (const auto& m : loaded) {
      out.push_back({m.name, true, usable_num_ctx(m.context_length), false});
    }
    return out;
  }
  for (const std::string& name : wanted) {
    if (const auto* m = find(name)) {
      out.push_back({m->name, true, usable_num_ctx(m->context_length), false});
    } else {
      out.push_back({name, false, std::nullopt, only_loaded});
    }
  }
  return out;
}

}  // namespace llmon::bench
