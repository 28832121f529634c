#include "collectors/ollama/model_tracker.hpp"

namespace llmon::ollama {

void LoadTracker::observe(const std::vector<LoadedModel>& loaded) {
  std::map<std::string, Identity> now;
  for (const LoadedModel& m : loaded) {
    now[m.name] = Identity{m.digest, m.context_length};
    counters_.try_emplace(m.name);
  }
  if (previous_) {
    for (const auto& [name, identity] : now) {
      auto before = previous_->find(name);
      if (before == previous_->end()) {
        counters_[name].loads += 1;
      } else if (!(before->second == identity)) {
        counters_[name].unloads += 1;
        counters_[name].loads += 1;
      }
    }
    for (const auto& [name, identity] : *previous_) {
      if (now.count(name) == 0) counters_[name].unloads += 1;
    }
  }
  previous_ = std::move(now);
}

}  // namespace llmon::ollama
