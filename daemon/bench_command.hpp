#pragma once
// `llmon bench`: runs the benchmark suite once against chosen models and prints a comparison.
#include "daemon/options.hpp"

namespace llmon {

// 0: every run ok; 1: could not benchmark (Ollama unreachable, a model missing or not loaded
// without --allow-load); 2: usage or configuration error; 3: some runs failed.
int run_bench_command(const Options& options);

}  // namespace llmon
