#pragma once
// The comparison `llmon bench` prints: one row per model, as a table, JSON or CSV. Pure.
#include <string>
#include <vector>

#include "collectors/bench/runner.hpp"

namespace llmon {

struct ModelRuns {
  std::string model;
  bool was_loaded = true;  // false: llmon loaded it (--allow-load)
  struct Run {
    std::string prompt;
    int index = 0;  // 1..runs
    bench::RunResult result;
  };
  std::vector<Run> runs;
};

// "table" | "json" | "csv". `spread`: show min-max beside the medians (several runs each).
std::string render_bench_report(const std::string& ollama_url, const std::vector<ModelRuns>& models,
                                const std::string& format, bool spread);

}  // namespace llmon
