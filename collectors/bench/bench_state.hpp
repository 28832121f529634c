#pragma once
// BenchState: every benchmark result of one Ollama instance, and the llmon_bench_* families
// built from them. Not thread-safe; owned by one bench collector (or the `llmon bench` command).
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "collectors/bench/baseline.hpp"
#include "collectors/bench/histogram.hpp"
#include "collectors/bench/runner.hpp"
#include "common/metrics.hpp"

namespace llmon::bench {

// Models whose series one instance's benchmarks keep (docs/metrics.md, "Bounds"): benchmarked
// models come from bench.models or from /api/ps (at most ollama::kMaxLoadedModels at a time),
// and a server cycling through names must not grow the exposition forever.
inline constexpr std::size_t kMaxBenchModels = 64;

class BenchState {
 public:
  // `max_models` below kMaxBenchModels is raised to it; the collector passes the number of
  // bench.models, so configured models are never forgotten in turn.
  BenchState(std::string instance, std::shared_ptr<BaselineStore> baselines,
             std::size_t max_models = kMaxBenchModels);

  // Counts the outcome; a run that sent a request also updates the last values, histograms
  // (ok runs) and baseline (ok runs: regression = this run / median of the previous ones).
  void record(const std::string& model, const std::string& prompt, const RunResult& result);
  void record_concurrent(const std::string& model, std::int64_t concurrency,
                         std::optional<double> tokens_per_second);

  // A baseline save that failed (llmon_bench_state_write_errors_total).
  void count_state_write_error() { ++state_write_errors_; }

  MetricFamilies families() const;

  // Whether `model` has series (it was recorded and not forgotten since).
  bool has_model(const std::string& model) const { return last_recorded_.count(model) > 0; }

 private:
  struct Key {
    std::string model;
    std::string prompt;
    auto operator<=>(const Key&) const = default;
  };
  struct Series {
    std::map<std::string, double> runs;  // by result
    std::optional<RunResult> last;       // last run that sent a request
    Histogram ttft{ttft_buckets()};
    Histogram tps{tps_buckets()};
    std::optional<double> baseline;
    std::optional<double> regression;
  };

  // Beyond max_models_ models, forgets the one recorded least recently (its series go).
  void touch(const std::string& model);

  std::string instance_;
  std::shared_ptr<BaselineStore> baselines_;
  std::size_t max_models_;
  std::map<Key, Series> series_;
  std::map<std::pair<std::string, std::int64_t>, double> concurrent_;
  std::map<std::string, std::uint64_t> last_recorded_;  // by model: the record() count then
  std::uint64_t records_ = 0;
  double state_write_errors_ = 0;
  double forgotten_models_ = 0;
};

}  // namespace llmon::bench
