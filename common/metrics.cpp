#include "common/metrics.hpp"

#include "common/label_value.hpp"

namespace llmon {

prometheus::ClientMetric make_metric(const Labels& labels) {
  prometheus::ClientMetric m;
  m.label.reserve(labels.size());
  for (const auto& [k, v] : labels) m.label.push_back({k, label_value(v)});
  return m;
}

prometheus::MetricFamily& FamilySet::family(const std::string& name, const std::string& help,
                                            prometheus::MetricType type) {
  for (auto& f : families_) {
    if (f.name == name) return f;
  }
  families_.push_back(prometheus::MetricFamily{name, help, type, {}});
  return families_.back();
}

void FamilySet::gauge(const std::string& name, const std::string& help, const Labels& labels,
                      double value) {
  auto m = make_metric(labels);
  m.gauge.value = value;
  family(name, help, prometheus::MetricType::Gauge).metric.push_back(std::move(m));
}

void FamilySet::counter(const std::string& name, const std::string& help, const Labels& labels,
                        double value) {
  auto m = make_metric(labels);
  m.counter.value = value;
  family(name, help, prometheus::MetricType::Counter).metric.push_back(std::move(m));
}

void FamilySet::gauge(const std::string& name, const std::string& help, const Labels& labels,
                      std::optional<double> value) {
  if (value) {
    gauge(name, help, labels, *value);
  } else {
    family(name, help, prometheus::MetricType::Gauge);
  }
}

void FamilySet::counter(const std::string& name, const std::string& help, const Labels& labels,
                        std::optional<double> value) {
  if (value) {
    counter(name, help, labels, *value);
  } else {
    family(name, help, prometheus::MetricType::Counter);
  }
}

void FamilySet::histogram(const std::string& name, const std::string& help, const Labels& labels,
                          const std::vector<double>& bounds,
                          const std::vector<std::uint64_t>& cumulative, std::uint64_t count,
                          double sum) {
  auto m = make_metric(labels);
  for (std::size_t i = 0; i < bounds.size() && i < cumulative.size(); ++i) {
    m.histogram.bucket.push_back({cumulative[i], bounds[i]});
  }
  m.histogram.bucket.push_back({count, std::numeric_limits<double>::infinity()});
  m.histogram.sample_count = count;
  m.histogram.sample_sum = sum;
  family(name, help, prometheus::MetricType::Histogram).metric.push_back(std::move(m));
}

}  // namespace llmon
