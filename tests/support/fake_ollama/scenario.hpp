#pragma once
// The scenario a fake Ollama plays: server settings, the models it has (and which are loaded at
// start), their speed and answers, and injected faults. Every key is documented in
// tests/fixtures/ollama/README.md. Plain immutable data once parsed; thread-safe to read.
#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "go_time.hpp"

namespace fake_ollama {

// A prompt-dependent answer: the first rule whose `when` occurs in the prompt wins.
struct ReplyRule {
  std::string when;
  std::string response;
};

struct ModelSpec {
  // --- identity, as /api/tags and /api/show list it ---
  std::string name;       // "qwen3-coder:30b-a3b-q8_0"
  std::int64_t size = 0;  // file bytes
  std::string digest;     // 64 hex digits
  WallTime modified_at;
  int modified_at_offset = 0;  // the zone offset modified_at is written with
  std::string format = "gguf";
  std::string family;
  std::optional<std::vector<std::string>> families;  // nullopt: JSON null, as for old models
  std::string parameter_size;
  std::string quantization_level;
  std::string architecture;  // model_info general.architecture; defaults to family
  std::int64_t parameter_count = 0;
  std::int64_t trained_context_length = 0;  // model_info <arch>.context_length
  boost::json::object model_info_extra;
  std::vector<std::string> capabilities{"completion"};
  std::string template_text;
  std::string parameters_text;
  std::string system;
  std::string license;

  // --- how it runs ---
  std::int64_t context_length = 4096;  // num_ctx used when a request does not set one
  std::int64_t running_size = 0;       // /api/ps size at context_length
  std::int64_t size_vram = 0;          // /api/ps size_vram at context_length
  int num_parallel = 0;                // 0: the server's num_parallel
  double tokens_per_second = 50;
  double prompt_tokens_per_second = 500;
  Nanos ttft = 50 * kNanosPerMilli;
  Nanos load_delay = 100 * kNanosPerMilli;
  std::string response = "Hello from fake_ollama.";
  std::string thinking;         // streamed first when the model thinks
  std::string thinking_low;     // a harmony model's thinking at think "low" (empty: `thinking`)
  std::string thinking_high;    // likewise at "high"
  std::int64_t eval_count = 0;  // answer length in tokens; 0: the words of the answer
  std::vector<ReplyRule> replies;
  std::string load_error;  // non-empty: every load fails with this 500 error

  // --- state at start ---
  bool loaded = false;
  std::int64_t loaded_context_length = 0;  // 0: context_length
  std::optional<Nanos> keep_alive;         // expiry of the initial load; default server's
  bool omit_context_length = false;        // /api/ps without context_length, as before 0.6
  boost::json::object ps_extra;            // extra /api/ps fields, as newer servers add
};

enum class FaultKind {
  kStatus,
  kMidStreamError,
  kMalformedJson,
  kTruncated,
  kHang,
  kOversized,
  kReset,
  kSlowDrip,
  kBogusMetrics,
};

std::optional<FaultKind> parse_fault_kind(std::string_view name);
std::string_view fault_kind_name(FaultKind kind);

struct FaultSpec {
  std::string endpoint = "*";  // a path such as "/api/ps", or "*" for every API path
  FaultKind kind = FaultKind::kStatus;
  int status = 500;
  std::string error = "fake_ollama: injected fault";
  int after_chunks = 1;                     // mid_stream_error
  std::int64_t bytes = 20LL * 1024 * 1024;  // oversized
  Nanos interval = 10 * kNanosPerMilli;     // slow_drip: per byte
  int times = 0;                            // 0: every matching request; N: only the next N
  // bogus_metrics: fields the final object claims instead of the true ones
  boost::json::object metrics{{"eval_duration", 1}};
};

struct ServerSpec {
  std::string version = "0.12.11";
  int num_parallel = 1;  // OLLAMA_NUM_PARALLEL: concurrent requests per loaded model
  int max_queue = 512;   // OLLAMA_MAX_QUEUE: waiting requests beyond it get 503
  Nanos keep_alive = 5 * 60 * kNanosPerSecond;  // OLLAMA_KEEP_ALIVE
  std::optional<int> utc_offset;     // zone offset of expires_at/modified_at; default: local
  bool pull_hint_not_found = false;  // unknown model: older `model "x" not found, try pulling`
};

struct Scenario {
  ServerSpec server;
  std::vector<ModelSpec> models;
  std::vector<FaultSpec> faults;

  // Ollama's name matching: case-insensitive, ":latest" implied.
  const ModelSpec* find(std::string_view name) const;
};

// "llama3.2" -> "llama3.2:latest", lower-cased: the key two names are equal under.
std::string normalize_model_name(std::string_view name);
// The fully qualified name Ollama puts in some errors: "registry.ollama.ai/library/x:latest".
std::string qualified_model_name(std::string_view name);
// A stable fake sha256 digest for a model name.
std::string fake_digest(std::string_view name);

struct ScenarioResult {
  std::optional<Scenario> scenario;
  std::string error;  // "<source>:<line>:<column>: <what>" when parsing failed
};

// Parses scenario TOML. Unknown keys are errors, so that a typo in a fixture cannot pass
// silently.
ScenarioResult parse_scenario(std::string_view toml_text, std::string_view source_name);
ScenarioResult load_scenario_file(const std::string& path);

}  // namespace fake_ollama
