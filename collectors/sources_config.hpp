#pragma once
// SourcesConfig: the configuration of every metric source, one section per source, each defined
// next to its collector. The collector table is built from it. Plain value type.
#include <ostream>
#include <vector>

#include "collectors/bench/bench_config.hpp"
#include "collectors/gpu/gpu_config.hpp"
#include "collectors/host/host_config.hpp"
#include "collectors/ollama/ollama_config.hpp"
#include "collectors/tuning/tuning_config.hpp"
#include "common/config_reader.hpp"

namespace llmon {

struct SourcesConfig {
  GpuConfig gpu;
  HostConfig host;
  // Zero [[ollama]] tables in the file means this one default instance.
  std::vector<OllamaConfig> ollama{OllamaConfig{}};
  BenchConfig bench;
  TuningConfig tuning;
};

// The top-level keys read_sources_config handles.
inline constexpr std::string_view kSourceSections[] = {"gpu", "host", "ollama", "bench", "tuning"};

// Reads every source's section from the root table `top` (absent sections keep their defaults).
void read_sources_config(const TableReader& top, SourcesConfig& sources);
// Every section as TOML, in the order of kSourceSections, blank lines between them.
void render_sources_config(std::ostream& out, const SourcesConfig& sources);

}  // namespace llmon
