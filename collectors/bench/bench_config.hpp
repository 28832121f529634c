#pragma once
// BenchConfig: the [bench] section and its [[bench.prompt]] tables (defaults here, once), the
// reader and the printer. Plain value types.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "collectors/ollama/ollama_config.hpp"
#include "common/config_reader.hpp"
#include "common/duration.hpp"

namespace llmon {

// One benchmark prompt ([[bench.prompt]]).
struct BenchPromptConfig {
  std::string name;
  std::string prompt;
  std::optional<std::string> expect;  // ECMAScript regex the answer must match
  std::int64_t num_predict = 256;
  double temperature = 0.0;
  std::int64_t seed = 42;
  std::string api = "generate";  // generate | chat
  // Thinking models only: "false", "true", "low", "medium" or "high" (TOML false/true or a
  // string); absent: the lowest the model accepts (collectors/bench/think.hpp).
  std::optional<std::string> think;
};

struct BenchConfig {
  bool enabled = false;  // off by default: it spends GPU time
  Duration interval = std::chrono::minutes(30);
  Duration jitter = std::chrono::minutes(2);
  Duration timeout = std::chrono::seconds(120);
  bool only_loaded = true;
  double skip_if_gpu_busy_above = 0.5;  // 1.0 disables
  std::vector<std::string> models;      // empty: every model loaded at run time
  std::vector<std::string> instances;   // empty: every [[ollama]] instance
  std::filesystem::path state_dir = "/var/lib/llmon";
  std::int64_t baseline_runs = 10;
  std::int64_t concurrency = 1;
  std::vector<BenchPromptConfig> prompts;  // empty: the built-in suite
};

// Reads [bench]; `instances` (already read) validates bench.instances.
void read_bench_config(const TableReader& t, const std::vector<OllamaConfig>& instances,
                       BenchConfig& bench);
void render_bench_config(std::ostream& out, const BenchConfig& bench);

}  // namespace llmon
