#include "collectors/tuning/runners.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <stdexcept>

#include "collectors/ollama/model_blob.hpp"
#include "collectors/process/proc_pid.hpp"
#include "collectors/process/proc_stat.hpp"
#include "common/fs.hpp"

namespace llmon::tuning {

namespace {

// A model path is a file path (PATH_MAX); every other value goes into a label or a message.
constexpr std::size_t kMaxPathChars = 4096;
constexpr std::size_t kMaxValueChars = 64;
constexpr std::size_t kMaxCmdlineBytes = 256 * 1024;

enum class Field {
  kModel,
  kPort,
  kHost,
  kContext,
  kParallel,
  kFlashAttn,
  kCacheTypeK,
  kCacheTypeV,
  kKvCacheType,  // legacy: one flag for both
  kGpuLayers,
  kLoadMode,
  kEmbedding,
  kOllamaEngine,
};

struct FlagSpec {
  std::string_view name;
  Field field;
};

// llama.cpp common/arg.cpp spellings (b10488, the llama.cpp Ollama v0.32.15 pins) and the Go
// runner's flags (runner/llamarunner, v0.5.2-v0.11.4); Go's flag package takes -x and --x alike.
constexpr std::array kFlags{
    FlagSpec{"-m", Field::kModel},
    FlagSpec{"--model", Field::kModel},
    FlagSpec{"--port", Field::kPort},
    FlagSpec{"--host", Field::kHost},
    FlagSpec{"-c", Field::kContext},
    FlagSpec{"--ctx-size", Field::kContext},
    FlagSpec{"-np", Field::kParallel},
    FlagSpec{"--parallel", Field::kParallel},
    FlagSpec{"-fa", Field::kFlashAttn},
    FlagSpec{"--flash-attn", Field::kFlashAttn},
    FlagSpec{"-ctk", Field::kCacheTypeK},
    FlagSpec{"--cache-type-k", Field::kCacheTypeK},
    FlagSpec{"-ctv", Field::kCacheTypeV},
    FlagSpec{"--cache-type-v", Field::kCacheTypeV},
    FlagSpec{"--kv-cache-type", Field::kKvCacheType},
    FlagSpec{"-ngl", Field::kGpuLayers},
    FlagSpec{"--gpu-layers", Field::kGpuLayers},
    FlagSpec{"--n-gpu-layers", Field::kGpuLayers},
    FlagSpec{"-lm", Field::kLoadMode},
    FlagSpec{"--load-mode", Field::kLoadMode},
    FlagSpec{"--embedding", Field::kEmbedding},
    FlagSpec{"--embeddings", Field::kEmbedding},
    FlagSpec{"--ollama-engine", Field::kOllamaEngine},
};

bool takes_value(Field f) {
  return f != Field::kEmbedding && f != Field::kOllamaEngine && f != Field::kFlashAttn;
}

template <typename T>
std::optional<T> to_number(std::string_view s) {
  T v{};
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
  return out;
}

std::optional<std::string> bounded(std::string_view s, std::size_t max = kMaxValueChars) {
  if (s.empty() || s.size() > max) return std::nullopt;
  return std::string(s);
}

// A --flash-attn value: llama.cpp's on|off|auto, or Go flag syntax (--flash-attn=false).
std::optional<std::string> flash_attn_value(std::string_view s) {
  const std::string v = lower(s);
  if (v == "on" || v == "off" || v == "auto") return v;
  if (v == "true" || v == "1") return "on";  // Go's flag package: --flash-attn=true
  if (v == "false" || v == "0") return "off";
  return std::nullopt;
}

// "-ngl 0" stays "0": the CPU-only signal. Numbers are canonical, words lower-case.
std::optional<std::string> gpu_layers_value(std::string_view s) {
  if (const auto n = to_number<std::int64_t>(s)) return std::to_string(*n);
  if (s.empty() || s.size() > kMaxValueChars || s.front() == '-') return std::nullopt;
  return lower(s);
}

void apply(RunnerArgs& a, Field f, std::string_view v) {
  switch (f) {
    case Field::kModel:
      a.model_path = bounded(v, kMaxPathChars);
      a.model_digest = ollama::blob_digest_from_path(v);
      break;
    case Field::kPort: {
      const auto p = to_number<std::uint16_t>(v);
      a.port = p && *p > 0 ? p : std::nullopt;
      break;
    }
    case Field::kHost:
      a.host = bounded(v);
      break;
    case Field::kContext:
      a.context_total = to_number<std::uint64_t>(v);
      break;
    case Field::kParallel: {
      const auto n = to_number<std::uint32_t>(v);
      a.parallel = n && *n > 0 ? n : std::nullopt;
      break;
    }
    case Field::kFlashAttn:
      a.flash_attn = flash_attn_value(v);
      if (!a.flash_attn) a.flash_attn = bounded(lower(v));
      break;
    case Field::kCacheTypeK:
      a.cache_type_k = bounded(lower(v));
      break;
    case Field::kCacheTypeV:
      a.cache_type_v = bounded(lower(v));
      break;
    case Field::kKvCacheType:
      a.cache_type_k = a.cache_type_v = bounded(lower(v));
      break;
    case Field::kGpuLayers:
      a.gpu_layers = gpu_layers_value(v);
      break;
    case Field::kLoadMode:
      a.load_mode = bounded(lower(v));
      break;
    case Field::kEmbedding:
      a.embedding = true;
      break;
    case Field::kOllamaEngine:
      a.ollama_engine = true;
      break;
  }
}

std::optional<Field> find_flag(std::string_view name) {
  for (const auto& spec : kFlags) {
    if (spec.name == name) return spec.field;
  }
  return std::nullopt;
}

}  // namespace

std::string_view generation_name(RunnerGeneration g) {
  return g == RunnerGeneration::kLegacy ? "ollama runner" : "llama-server";
}

std::optional<std::uint64_t> RunnerArgs::context_per_slot() const {
  if (!context_total || !parallel || *context_total == 0) return std::nullopt;
  return *context_total / *parallel;
}

std::optional<std::string> RunnerArgs::kv_cache_type() const {
  if (!cache_type_k || !cache_type_v || *cache_type_k != *cache_type_v) return std::nullopt;
  return cache_type_k;
}

std::optional<RunnerArgs> parse_runner_cmdline(const std::vector<std::string>& argv) {
  if (argv.empty()) return std::nullopt;
  const std::string_view program = proc::program_name(argv[0]);
  RunnerArgs a;
  std::size_t first = 1;
  if (program == "llama-server") {
    a.generation = RunnerGeneration::kLlamaServer;
  } else if (argv.size() >= 2 && argv[1] == "runner") {
    a.generation = RunnerGeneration::kLegacy;
    first = 2;
  } else if (program.substr(0, 19) == "ollama_llama_server") {
    a.generation = RunnerGeneration::kLegacy;
    if (argv.size() >= 2 && argv[1] == "runner") first = 2;
  } else {
    return std::nullopt;
  }
  const bool legacy = a.generation == RunnerGeneration::kLegacy;
  for (std::size_t i = first; i < argv.size(); ++i) {
    std::string name = argv[i];
    std::optional<std::string> inline_value;
    if (legacy && name.size() > 1 && name[0] == '-') {
      // Go's flag package: -x, --x, -x=v, --x=v.
      if (const auto eq = name.find('='); eq != std::string::npos) {
        inline_value = name.substr(eq + 1);
        name.resize(eq);
      }
      if (name.substr(0, 2) != "--") name.insert(0, "-");
    } else if (!legacy && name.substr(0, 2) == "--") {
      // llama.cpp accepts '_' for '-' in long names (and no "=value" form).
      std::replace(name.begin(), name.end(), '_', '-');
    }
    const auto field = find_flag(name);
    if (!field) continue;  // unknown flag, or the value of one: skipped
    if (inline_value) {
      apply(a, *field, *inline_value);
    } else if (*field == Field::kFlashAttn) {
      // llama.cpp's takes on|off|auto; the Go runner's (and old llama.cpp's) is a bare switch.
      if (!legacy && i + 1 < argv.size()) {
        apply(a, *field, argv[++i]);
      } else {
        a.flash_attn = "on";
      }
    } else if (!takes_value(*field)) {
      apply(a, *field, {});
    } else if (i + 1 < argv.size()) {
      apply(a, *field, argv[++i]);
    }
  }
  if (!legacy && !a.model_path) return std::nullopt;
  return a;
}

std::vector<Runner> find_runners(const std::filesystem::path& procfs_root, int server_pid,
                                 std::size_t max_runners) {
  std::vector<Runner> runners;
  if (server_pid <= 0) return runners;
  for (const int pid : proc::list_pids(procfs_root)) {
    if (runners.size() >= max_runners) break;
    const auto dir = procfs_root / std::to_string(pid);
    const ReadResult stat = read_file(dir / "stat");
    if (!stat.ok()) continue;
    const auto st = proc::parse_pid_stat(stat.content);
    if (!st || st->ppid != server_pid) continue;
    const ReadResult cmdline = read_file(dir / "cmdline", kMaxCmdlineBytes);
    if (!cmdline.ok()) continue;
    auto args = parse_runner_cmdline(proc::parse_cmdline(cmdline.content));
    if (!args) continue;
    Runner r;
    r.pid = pid;
    r.args = std::move(*args);
    try {
      const auto usage = proc::read_process_usage(procfs_root, std::to_string(pid));
      r.resident_bytes = usage.resident_bytes;
      r.cpu_seconds = usage.cpu_seconds;
      r.start_time_seconds = usage.start_time_seconds;
    } catch (const std::runtime_error&) {
      continue;  // exited between the two reads
    }
    runners.push_back(std::move(r));
  }
  return runners;
}

}  // namespace llmon::tuning
