#include "collectors/ollama/registry.hpp"

namespace llmon::ollama {

void InstanceRegistry::declare(const std::string& name, const OllamaAddress& address) {
  std::lock_guard lock(mutex_);
  auto& s = instances_[name];
  s.name = name;
  s.address = address;
}

void InstanceRegistry::update(const std::string& name, bool up, std::vector<LoadedModel> loaded,
                              std::optional<std::vector<AvailableModel>> available) {
  std::lock_guard lock(mutex_);
  auto& s = instances_[name];
  s.name = name;
  s.polled = true;
  s.up = up;
  if (up) {
    s.loaded = std::move(loaded);
    s.available = std::move(available);
  } else {
    s.loaded.clear();
    s.available.reset();
  }
}

std::optional<InstanceState> InstanceRegistry::get(const std::string& name) const {
  std::lock_guard lock(mutex_);
  auto it = instances_.find(name);
  if (it == instances_.end()) return std::nullopt;
  return it->second;
}

}  // namespace llmon::ollama
