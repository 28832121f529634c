#include "collectors/ollama/registry.hpp"

namespace llmon::ollama {

void InstanceRegistry::declare(const std::string& name, const OllamaAddress& address) {
  std::lock_guard lock(mutex_);
  auto& s = instances_[name];
  s.name = name;
  s.address = address;
}

void InstanceRegistry::update(const std::string& name, InstanceUpdate u) {
  std::lock_guard lock(mutex_);
  auto& s = instances_[name];
  s.name = name;
  s.polled = true;
  s.up = u.up;
  s.server = std::move(u.server);
  if (u.up) {
    s.version = std::move(u.version);
    s.loaded = std::move(u.loaded);
    s.available = std::move(u.available);
    s.shown = std::move(u.shown);
  } else {
    s.loaded.clear();
    s.available.reset();
    s.shown.clear();
  }
}

std::vector<InstanceState> InstanceRegistry::all() const {
  std::lock_guard lock(mutex_);
  std::vector<InstanceState> out;
  for (const auto& [name, s] : instances_) out.push_back(s);
  return out;
}

std::optional<InstanceState> InstanceRegistry::get(const std::string& name) const {
  std::lock_guard lock(mutex_);
  auto it = instances_.find(name);
  if (it == instances_.end()) return std::nullopt;
  return it->second;
}

}  // namespace llmon::ollama
