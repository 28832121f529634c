#pragma once
// Histogram: Prometheus-style buckets (cumulative "le" counts, count, sum) over fixed bounds,
// for benchmark TTFT and tokens/s. Not thread-safe: the owner serialises access.
#include <cstdint>
#include <vector>

namespace llmon::bench {

class Histogram {
 public:
  // `bounds`: finite and strictly ascending, without +Inf (count() is the +Inf bucket);
  // anything else is a programming error and throws std::invalid_argument.
  explicit Histogram(std::vector<double> bounds);

  // Counted in every bucket whose bound is >= value. NaN and infinities are dropped: one of
  // them would turn sum into NaN/Inf for the life of the process.
  void observe(double value);

  const std::vector<double>& bounds() const { return bounds_; }
  // One count per bound, each including all smaller buckets (what FamilySet::histogram takes).
  std::vector<std::uint64_t> cumulative_counts() const;
  std::uint64_t count() const { return count_; }
  double sum() const { return sum_; }

 private:
  std::vector<double> bounds_;
  std::vector<std::uint64_t> per_bucket_;  // not cumulative: observe() stays O(log n)
  std::uint64_t count_ = 0;
  double sum_ = 0.0;
};

// Seconds to first token: 50 ms (a warm tiny model) to 60 s (a cold load of a large one).
const std::vector<double>& ttft_buckets();
// Generation tokens/s: 1 (CPU offload) to 200 (small models on a fast GPU).
const std::vector<double>& tps_buckets();

}  // namespace llmon::bench
