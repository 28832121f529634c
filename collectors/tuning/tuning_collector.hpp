#pragma once
// The "tuning" collector: every [tuning] interval it gathers the views of the box and of each
// Ollama instance, runs the drift checks and exports llmon_tuning_* (and the runner, unit and
// kernel series behind them), logging each check's state changes. Blocking (files, D-Bus): it
// runs on the worker pool; the scheduler never runs it concurrently with itself.
#include <memory>
#include <vector>

#include "collectors/collector.hpp"
#include "collectors/services.hpp"
#include "collectors/sources_config.hpp"
#include "collectors/tuning/tuning_families.hpp"

namespace llmon::tuning {

// One gathering and evaluation of every check, as the collector and `llmon doctor` do it.
// `services` supplies the GPU monitor and the Ollama registry (either may be null).
Evaluation evaluate(const SourcesConfig& config, const Services& services, double now);

std::vector<std::unique_ptr<Collector>> make_tuning_collectors(const SourcesConfig& config,
                                                               Services& services);

}  // namespace llmon::tuning
