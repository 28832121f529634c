#pragma once
// InstanceRegistry: the latest state of every Ollama instance as its collector last saw it, for
// other parts (benchmarks) to read. Thread-safe.
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "collectors/ollama/api.hpp"
#include "common/ollama_url.hpp"

namespace llmon::ollama {

struct InstanceState {
  std::string name;
  OllamaAddress address;
  bool polled = false;  // false until the first poll ended
  bool up = false;
  std::vector<LoadedModel> loaded;  // from the latest successful /api/ps
  std::optional<std::vector<AvailableModel>> available;
};

class InstanceRegistry {
 public:
  void declare(const std::string& name, const OllamaAddress& address);
  void update(const std::string& name, bool up, std::vector<LoadedModel> loaded,
              std::optional<std::vector<AvailableModel>> available);
  std::optional<InstanceState> get(const std::string& name) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, InstanceState> instances_;
};

}  // namespace llmon::ollama
