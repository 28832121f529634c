#include "collectors/ollama/model_tracker.hpp"

#include <algorithm>

namespace llmon::ollama {

void LoadTracker::observe(const std::vector<LoadedModel>& loaded) {
  ++polls_;
  std::map<std::string, Identity> now;
  for (const LoadedModel& m : loaded) {
    now[m.name] = Identity{m.digest, m.context_length};
    counters_.try_emplace(m.name);
    last_seen_[m.name] = polls_;
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
  forget_beyond_limit(now);
  previous_ = std::move(now);
}

void LoadTracker::forget_beyond_limit(const std::map<std::string, Identity>& now) {
  if (counters_.size() <= max_models_) return;
  // Oldest departure first; names break ties, so the choice does not depend on map internals.
  std::vector<std::pair<std::uint64_t, std::string>> gone;
  for (const auto& [name, seen] : last_seen_) {
    if (now.count(name) == 0) gone.emplace_back(seen, name);
  }
  std::sort(gone.begin(), gone.end());
  for (const auto& [seen, name] : gone) {
    if (counters_.size() <= max_models_) break;
    counters_.erase(name);
    last_seen_.erase(name);
    ++forgotten_;
  }
}

}  // namespace llmon::ollama
