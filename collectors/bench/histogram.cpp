#include "collectors/bench/histogram.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <utility>

namespace llmon::bench {

Histogram::Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)) {
  for (std::size_t i = 0; i < bounds_.size(); ++i) {
    if (!std::isfinite(bounds_[i]) || (i > 0 && !(bounds_[i - 1] < bounds_[i]))) {
      throw std::invalid_argument("histogram bounds must be finite and strictly ascending");
    }
  }
  per_bucket_.assign(bounds_.size(), 0);
}

void Histogram::observe(double value) {
  if (!std::isfinite(value)) return;
  const auto it = std::lower_bound(bounds_.begin(), bounds_.end(), value);
  if (it != bounds_.end()) ++per_bucket_[static_cast<std::size_t>(it - bounds_.begin())];
  ++count_;
  sum_ += value;
}

std::vector<std::uint64_t> Histogram::cumulative_counts() const {
  std::vector<std::uint64_t> out(per_bucket_.size());
  std::uint64_t running = 0;
  for (std::size_t i = 0; i < per_bucket_.size(); ++i) out[i] = running += per_bucket_[i];
  return out;
}

const std::vector<double>& ttft_buckets() {
  static const std::vector<double> b{0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60};
  return b;
}

const std::vector<double>& tps_buckets() {
  static const std::vector<double> b{1, 2, 5, 10, 15, 20, 30, 40, 50, 75, 100, 150, 200};
  return b;
}

}  // namespace llmon::bench
