#pragma once
// Ollama's model runner processes: what their command lines say about the settings each model
// really runs with, and finding them under a server pid (ollama/model_blob.hpp maps them to model
// names). Pure parser plus one stateless procfs scan; safe to call from any thread.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace llmon::tuning {

enum class RunnerGeneration {
  // `ollama runner [--ollama-engine] --model <path> ... --port <n>` (v0.5.2 to v0.24.x) and its
  // predecessor `.../runners/<lib>/ollama_llama_server --model ...`. Up to v0.11.4 the settings
  // were flags (--ctx-size, --parallel, --n-gpu-layers, --flash-attn, --kv-cache-type); from
  // v0.11.5 only --model and --port, the rest went over HTTP [ollama llm/server.go].
  kLegacy,
  // v0.30.0+: upstream llama.cpp `llama-server` from lib/ollama/ with the settings as flags
  // [ollama v0.32.15 llm/llama_server.go startLlamaServer].
  kLlamaServer,
};

// "ollama runner" or "llama-server", for labels and messages.
std::string_view generation_name(RunnerGeneration g);

// What one runner's command line says; every field absent when not on it (or unparsable).
struct RunnerArgs {
  RunnerGeneration generation = RunnerGeneration::kLlamaServer;
  std::optional<std::string> model_path;    // --model / -m
  std::optional<std::string> model_digest;  // "sha256:<64 hex>" from a blobs/sha256-<hex> path
  std::optional<std::uint16_t> port;        // --port
  std::optional<std::string> host;          // --host
  std::optional<std::uint32_t> parallel;    // -np / --parallel
  // -c / --ctx-size: the total, which Ollama sets to num_ctx * num_parallel.
  std::optional<std::uint64_t> context_total;
  std::optional<std::string> flash_attn;    // "on" | "off" | "auto" (a bare legacy flag: "on")
  std::optional<std::string> cache_type_k;  // -ctk / --cache-type-k, legacy --kv-cache-type
  std::optional<std::string> cache_type_v;  // -ctv / --cache-type-v, legacy --kv-cache-type
  std::optional<std::string> gpu_layers;    // -ngl / --gpu-layers / --n-gpu-layers: "0", "auto"
  std::optional<std::string> load_mode;     // -lm / --load-mode ("dio" on Linux iGPUs)
  bool embedding = false;                   // --embedding / --embeddings
  bool ollama_engine = false;               // legacy --ollama-engine

  // context_total / parallel, as each request slot sees it; absent unless both are known.
  std::optional<std::uint64_t> context_per_slot() const;
  // The one KV cache type when K and V agree (Ollama always passes the same), else absent.
  std::optional<std::string> kv_cache_type() const;
};

// nullopt when argv is not a model runner: not `ollama runner` / `ollama_llama_server` /
// `llama-server`, or a llama-server without --model (Ollama's short-lived GPU discovery probe:
// `llama-server --port N --host 127.0.0.1 --no-webui --offline --verbose`, or --list-devices).
// Both spellings of every flag, `--flag=value`, and repeated flags (the last wins, as in
// llama.cpp's parser) are understood; flags it does not know are skipped.
std::optional<RunnerArgs> parse_runner_cmdline(const std::vector<std::string>& argv);

// A runner child of an Ollama server, with its own resource usage.
struct Runner {
  int pid = 0;
  RunnerArgs args;
  std::optional<double> resident_bytes;
  std::optional<double> cpu_seconds;  // user + system
  std::optional<double> start_time_seconds;
};

// Runners whose parent is `server_pid`, by pid, found by scanning {procfs_root}/[0-9]* (at most
// proc::kMaxPids entries) and keeping at most max_runners. ppid is the parent's thread-group id,
// so a runner forked from any of the Go server's threads is found. A process that exits during
// the scan is skipped.
std::vector<Runner> find_runners(const std::filesystem::path& procfs_root, int server_pid,
                                 std::size_t max_runners = 64);

}  // namespace llmon::tuning
