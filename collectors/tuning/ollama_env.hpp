#pragma once
// What llmon knows about the environment variables an Ollama server (and the ROCm runtime in
// its runners) reads, by Ollama version: a static table with its sources, and lookups on it.
// Immutable data and pure functions; safe to call from any thread.
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "collectors/tuning/ollama_version.hpp"

namespace llmon::tuning {

enum class EnvKind {
  kBool,      // envconfig Bool / BoolWithDefault: strconv.ParseBool, a failure counts as true
  kLogLevel,  // OLLAMA_DEBUG since v0.7.0: ParseBool, else an integer level, else INFO
  kUint,      // envconfig Uint / Uint64: ParseUint, a failure logs a warning and uses the default
  kDuration,  // Go duration ("5m") or integer seconds; a failure silently uses the default
  kString,
  kUrl,   // OLLAMA_HOST: [scheme://]host[:port]
  kList,  // comma-separated
  kPath,
  kGfxVersion,  // HSA_OVERRIDE_GFX_VERSION: "x.y.z" (see gfx_target.hpp)
  kDevices,     // *_VISIBLE_DEVICES, GPU_DEVICE_ORDINAL: comma-separated ids or UUIDs
};
std::string_view env_kind_name(EnvKind k);  // "bool", "uint", "duration", ...

enum class EnvReader {
  kOllama,     // the Ollama server (envconfig, or a direct os.Getenv)
  kRocm,       // the ROCm/HIP runtime in the runner, which inherits the server's environment
  kNoneKnown,  // folklore: no ROCm component reads it as far as the sources show
};

// [first, removed): the releases that read a variable; an empty `removed` means still read at
// the newest release checked (v0.32.15).
struct EnvSpan {
  std::string_view first;
  std::string_view removed;
};

// One row of the table. Strings are static.
struct EnvVarInfo {
  std::string_view name;
  EnvKind kind;
  EnvReader reader;
  std::string_view default_value;  // as Ollama v0.32.15 defines it ("" = unset/empty)
  EnvSpan spans[2];                // Ollama versions reading it; a second span when re-added
  bool tuning;                     // in the GPU/memory/concurrency subset (llmon_ollama_env_info)
  bool per_device_suffix;          // NAME_<n> (n = device index) also matches this row
  std::string_view note;           // a fact a user needs, or ""
};

// Every row, in table order.
std::span<const EnvVarInfo> ollama_env_table();

// The row for `name`, exact and case-sensitive as the environment is; NAME_<n> matches a
// per-device row (HSA_OVERRIDE_GFX_VERSION_1). nullptr when llmon knows nothing about it.
const EnvVarInfo* find_env_var(std::string_view name);

enum class ReadsStatus {
  kReads,          // this version reads it (Ollama) or its runtime does (ROCm)
  kNotYet,         // known, but first read in a later version (`since`)
  kRemoved,        // known, but no longer read since `removed_in`
  kUnknown,        // an OLLAMA_* name (any case) that no Ollama version up to v0.32.15 reads
  kUncertain,      // the table cannot tell: no version, a dev build (0.0.0), a pre-release of a
                   // version where this variable changed, a version newer than the table, or
                   // a name outside OLLAMA_* it does not list (ROCm reads many HSA_*/HIP_*)
  kNoKnownEffect,  // folklore (GPU_MAX_ALLOC_PERCENT): no known reader; "no known effect"
};

struct ReadsAnswer {
  ReadsStatus status = ReadsStatus::kUnknown;
  const EnvVarInfo* info = nullptr;  // null for kUnknown
  std::string_view since;            // kNotYet: the first version reading it
  std::string_view removed_in;       // kRemoved: the first version no longer reading it
};

// Whether the Ollama server at `version` reads `name`. A described local build
// ("0.30.1-3-gabc") is taken as its tag.
ReadsAnswer ollama_version_reads(std::string_view name,
                                 const std::optional<OllamaVersion>& version);

// The known variable closest to `name` (a typo: OLLAMA_NUM_PARALLELS, OLLAMA_KEEPALIVE,
// OLLAMA_FLASH_ATTN, ollama_host), among those `version` reads (every currently read one when
// the version is unknown); nullopt when nothing is close. Never `name` itself.
std::optional<std::string_view> suggest_variable(std::string_view name,
                                                 const std::optional<OllamaVersion>& version);

// How the Ollama server at `version` reads boolean variable `name` set to `raw` (the value as
// in the environment, before envconfig.Var's stripping).
struct OllamaBool {
  std::optional<bool> value;  // what Ollama uses; absent when unset and Ollama decides itself
  bool set = false;           // non-empty after stripping
  bool parse_error = false;   // strconv.ParseBool rejected it, and Ollama took it as true
};
// nullopt when `name` is not a boolean at that version, or the version is older than v0.3.2
// (envconfig.Bool), or unknown while the variable's kind changed over time (OLLAMA_DEBUG).
std::optional<OllamaBool> ollama_bool(std::string_view name, std::string_view raw,
                                      const std::optional<OllamaVersion>& version);

// The default of `name` at `version` where it changed (OLLAMA_NUM_PARALLEL 0 -> 1 in v0.10.0,
// OLLAMA_CONTEXT_LENGTH 2048 -> 4096 -> 0, OLLAMA_VULKAN false -> true); the v0.32.15 default
// otherwise. nullopt for unknown names.
std::optional<std::string_view> ollama_default(std::string_view name,
                                               const std::optional<OllamaVersion>& version);

}  // namespace llmon::tuning
