#pragma once
// The benchmark collectors: one per benchmarked Ollama instance ("bench/<name>"), each running
// the prompt suite against that instance's models on its own jittered schedule, one request at
// a time, never loading, unloading or re-configuring a model unless told to.
#include <memory>
#include <vector>

#include "collectors/collector.hpp"
#include "collectors/services.hpp"
#include "collectors/sources_config.hpp"

namespace llmon::bench {

std::vector<std::unique_ptr<Collector>> make_bench_collectors(const SourcesConfig& config,
                                                              Services& services);

}  // namespace llmon::bench
