#pragma once
// BenchState: every benchmark result of one Ollama instance, and the llmon_bench_* families
// built from them. Not thread-safe; owned by one bench collector (or the `llmon bench` command).
#include <map>
#include <optional>
#include <string>

#include "collectors/bench/baseline.hpp"
#include "collectors/bench/histogram.hpp"
#include "collectors/bench/runner.hpp"
#include "common/metrics.hpp"

namespace llmon::bench {

class BenchState {
 public:
  BenchState(std::string instance, std::shared_ptr<BaselineStore> baselines);

  // Counts the outcome; a run that sent a request also updates the last values, histograms
  // (ok runs) and baseline (ok runs: regression = this run / median of the previous ones).
  void record(const std::string& model, const std::string& prompt, const RunResult& result);
  void record_concurrent(const std::string& model, std::int64_t concurrency,
                         std::optional<double> tokens_per_second);

  // A baseline save that failed (llmon_bench_state_write_errors_total).
  void count_state_write_error() { ++state_write_errors_; }

  MetricFamilies families() const;

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

  std::string instance_;
  std::shared_ptr<BaselineStore> baselines_;
  std::map<Key, Series> series_;
  std::map<std::pair<std::string, std::int64_t>, double> concurrent_;
  double state_write_errors_ = 0;
};

}  // namespace llmon::bench
