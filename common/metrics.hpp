#pragma once
// FamilySet: builds prometheus-cpp MetricFamily lists with one call per sample. Every label
// value passes through label_value (common/label_value.hpp): valid UTF-8, no control characters,
// at most 256 bytes, whatever the source sent. Not thread-safe: each collector run owns its own.
#include <prometheus/metric_family.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace llmon {

using MetricFamilies = std::vector<prometheus::MetricFamily>;
using Labels = std::vector<std::pair<std::string, std::string>>;

class FamilySet {
 public:
  // Returns the family `name`, creating it with `help` and `type` on first use.
  prometheus::MetricFamily& family(const std::string& name, const std::string& help,
                                   prometheus::MetricType type);

  void gauge(const std::string& name, const std::string& help, const Labels& labels, double value);
  void counter(const std::string& name, const std::string& help, const Labels& labels,
               double value);
  // Absent is not zero: nothing is added for nullopt (the family is still declared, and
  // empty families are dropped at render time).
  void gauge(const std::string& name, const std::string& help, const Labels& labels,
             std::optional<double> value);
  void counter(const std::string& name, const std::string& help, const Labels& labels,
               std::optional<double> value);
  // A histogram sample set: `bounds` ascending (no +Inf), `counts` cumulative per bound.
  void histogram(const std::string& name, const std::string& help, const Labels& labels,
                 const std::vector<double>& bounds, const std::vector<std::uint64_t>& cumulative,
                 std::uint64_t count, double sum);

  MetricFamilies take() { return std::move(families_); }
  const MetricFamilies& families() const { return families_; }

 private:
  MetricFamilies families_;
};

// A sample with these labels, each value made a label_value.
prometheus::ClientMetric make_metric(const Labels& labels);

}  // namespace llmon
