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

// What /api/show says about a loaded model that its /api/ps entry does not.
struct ModelShow {
  std::vector<std::string> capabilities;      // empty when the server does not report them
  std::optional<std::string> weights_digest;  // "sha256:..." of the modelfile's FROM blob
};

// The Ollama server process as the collector found it.
struct ServerProcess {
  int pid = 0;
  std::optional<double> start_time_seconds;  // unix time
};

struct InstanceState {
  std::string name;
  OllamaAddress address;
  bool polled = false;  // false until the first poll ended
  bool up = false;
  std::string version;              // from the latest successful /api/version
  std::vector<LoadedModel> loaded;  // from the latest successful /api/ps
  std::optional<std::vector<AvailableModel>> available;
  std::map<std::string, ModelShow> shown;  // by loaded model name, when /api/show answered
  std::optional<ServerProcess> server;     // absent when not found or not looked for
};

// One poll's outcome, as the Ollama collector reports it.
struct InstanceUpdate {
  bool up = false;
  std::string version;
  std::vector<LoadedModel> loaded;
  std::optional<std::vector<AvailableModel>> available;
  std::map<std::string, ModelShow> shown;
  std::optional<ServerProcess> server;
};

class InstanceRegistry {
 public:
  void declare(const std::string& name, const OllamaAddress& address);
  void update(const std::string& name, InstanceUpdate update);
  std::optional<InstanceState> get(const std::string& name) const;
  // Every declared instance, by name.
  std::vector<InstanceState> all() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, InstanceState> instances_;
};

}  // namespace llmon::ollama
