#include "collectors/registry.hpp"

#include "collectors/bench/bench_collector.hpp"
#include "collectors/gpu/gpu_collector.hpp"
#include "collectors/host/host_collector.hpp"
#include "collectors/ollama/ollama_collector.hpp"
#include "collectors/ollama/registry.hpp"
#include "collectors/process/process_collector.hpp"
#include "collectors/tuning/tuning_collector.hpp"

namespace llmon {

namespace {

using Factory = std::vector<std::unique_ptr<Collector>> (*)(const SourcesConfig&, Services&);

template <std::unique_ptr<Collector> (*Make)(const SourcesConfig&)>
std::vector<std::unique_ptr<Collector>> one(const SourcesConfig& config, Services&) {
  std::vector<std::unique_ptr<Collector>> out;
  out.push_back(Make(config));
  return out;
}

std::unique_ptr<Collector> make_self_process(const SourcesConfig&) {
  return make_process_collector(kSelfProcfsRoot, std::chrono::seconds(5));
}

// Adding a source: a folder under collectors/ and one line here. Order matters only where a
// source reads another's shared state (benchmarks read the GPU and Ollama services).
constexpr Factory kCollectorTable[] = {
    one<make_self_process>,         gpu::make_gpu_collectors,     one<make_host_collector>,
    ollama::make_ollama_collectors, bench::make_bench_collectors, tuning::make_tuning_collectors,
};

}  // namespace

std::vector<std::shared_ptr<Collector>> make_collectors(const SourcesConfig& config,
                                                        Purpose purpose, Services* shared) {
  Services services;
  services.ollama = std::make_shared<ollama::InstanceRegistry>();
  std::vector<std::shared_ptr<Collector>> out;
  for (Factory make : kCollectorTable) {
    if (purpose == Purpose::kOneShot && make == one<make_self_process>) continue;
    for (auto& c : make(config, services)) out.push_back(std::move(c));
  }
  if (shared != nullptr) *shared = services;
  return out;
}

}  // namespace llmon
