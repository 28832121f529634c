#pragma once
// Config: the daemon's effective configuration. Every default lives in this header, once.
// Plain value type; the daemon swaps whole Config objects on reload.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/duration.hpp"
#include "common/result.hpp"

namespace llmon {

struct WebConfig {
  std::string listen = "0.0.0.0:9877";
};

struct LogConfig {
  std::string level = "info";
};

struct GpuConfig {
  std::string backend = "auto";  // auto | rocm_smi | sysfs | none
  std::filesystem::path sysfs_root = "/sys";
  std::string rocm_smi_library = "librocm_smi64.so.1";
  Duration interval = std::chrono::seconds(5);
  Duration sample_interval = std::chrono::seconds(1);
};

struct HostConfig {
  std::filesystem::path procfs_root = "/proc";
  Duration interval = std::chrono::seconds(5);
};

struct OllamaConfig {
  std::string name = "default";  // the `ollama` label value; unique
  std::string url = "http://127.0.0.1:11434";
  Duration interval = std::chrono::seconds(10);
  Duration timeout = std::chrono::seconds(5);
  std::int64_t max_body_bytes = 8 * 1024 * 1024;
  std::string process = "ollama";  // process name to look for; "" disables process metrics
};

// One benchmark prompt ([[bench.prompt]]).
struct BenchPromptConfig {
  std::string name;
  std::string prompt;
  std::optional<std::string> expect;  // ECMAScript regex the answer must match
  std::int64_t num_predict = 256;
  double temperature = 0.0;
  std::int64_t seed = 42;
  std::string api = "generate";  // generate | chat
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

struct Config {
  WebConfig web;
  LogConfig log;
  GpuConfig gpu;
  HostConfig host;
  // Zero [[ollama]] tables in the file means this one default instance.
  std::vector<OllamaConfig> ollama{OllamaConfig{}};
  BenchConfig bench;
};

// Where `serve` and `collect` look when no --config is given; a missing file there is fine.
inline constexpr const char* kDefaultConfigPath = "/etc/llmon/llmon.toml";

// Parses TOML text. `source` names the file in error messages ("FILE:LINE:COL: ...").
Expected<Config> parse_config(std::string_view toml_text, const std::string& source);
// Reads and parses a file; a missing or unreadable file is an error.
Expected<Config> load_config(const std::filesystem::path& path);
// The effective configuration as TOML that parse_config accepts (check-config prints it).
std::string render_config(const Config& config);

}  // namespace llmon
