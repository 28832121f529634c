#pragma once
// The prompts a configuration asks for ([[bench.prompt]], else the built-in suite), with their
// expect patterns compiled once. Pure.
#include <vector>

#include "collectors/bench/bench_config.hpp"
#include "collectors/bench/runner.hpp"

namespace llmon::bench {

// Patterns were validated with the configuration; one that still fails to compile is dropped
// (the prompt then has no correctness check) rather than stopping the benchmarks.
std::vector<PreparedPrompt> prepare_prompts(const BenchConfig& bench);

}  // namespace llmon::bench
