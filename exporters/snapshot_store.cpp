#include "exporters/snapshot_store.hpp"

#include <algorithm>

#include "common/gzip.hpp"
#include "common/log.hpp"

namespace llmon {

namespace {

bool label_values_less(const prometheus::ClientMetric& a, const prometheus::ClientMetric& b) {
  return std::lexicographical_compare(a.label.begin(), a.label.end(), b.label.begin(),
                                      b.label.end(), [](const auto& x, const auto& y) {
                                        return std::tie(x.name, x.value) <
                                               std::tie(y.name, y.value);
                                      });
}

}  // namespace

MetricFamilies merge_and_sort(const std::map<std::string, MetricFamilies>& slots) {
  std::map<std::string, prometheus::MetricFamily> by_name;
  for (const auto& [slot, families] : slots) {
    for (const auto& family : families) {
      if (family.metric.empty()) continue;
      auto [it, inserted] = by_name.try_emplace(family.name, family);
      if (inserted) continue;
      if (it->second.type != family.type) {
        // Two sources disagreeing on a family's type is a programming error; keep the first
        // rather than emit an exposition Prometheus would reject.
        logger("store")->error("metric family {} from slot {} has a conflicting type; dropped",
                               family.name, slot);
        continue;
      }
      auto& metrics = it->second.metric;
      metrics.insert(metrics.end(), family.metric.begin(), family.metric.end());
    }
  }
  MetricFamilies out;
  out.reserve(by_name.size());
  for (auto& [name, family] : by_name) {
    for (auto& m : family.metric) std::sort(m.label.begin(), m.label.end());
    std::stable_sort(family.metric.begin(), family.metric.end(), label_values_less);
    // Two series with one label set would make Prometheus drop samples: keep the first. Sources
    // bound and clean their label values (label_value), so distinct raw values can meet here.
    family.metric.erase(std::unique(family.metric.begin(), family.metric.end(),
                                    [](const auto& a, const auto& b) {
                                      return !label_values_less(a, b) && !label_values_less(b, a);
                                    }),
                        family.metric.end());
    out.push_back(std::move(family));
  }
  return out;
}

void SnapshotStore::apply(std::vector<Update> updates) {
  std::shared_ptr<const std::map<std::string, MetricFamilies>> slots;
  std::uint64_t generation = 0;
  {
    std::lock_guard lock(slots_mutex_);
    auto next = std::make_shared<std::map<std::string, MetricFamilies>>(*slots_);
    for (auto& [slot, families] : updates) {
      if (families) {
        (*next)[slot] = std::move(*families);
      } else {
        next->erase(slot);
      }
    }
    slots_ = next;
    generation = ++generation_;
    slots = slots_;
  }
  render_and_swap(generation, std::move(slots));
}

void SnapshotStore::publish(const std::string& slot, MetricFamilies families) {
  std::vector<Update> updates;
  updates.emplace_back(slot, std::move(families));
  apply(std::move(updates));
}

void SnapshotStore::remove(const std::string& slot) {
  std::vector<Update> updates;
  updates.emplace_back(slot, std::nullopt);
  apply(std::move(updates));
}

void SnapshotStore::render_and_swap(
    std::uint64_t generation, std::shared_ptr<const std::map<std::string, MetricFamilies>> slots) {
  std::lock_guard render_lock(render_mutex_);
  {
    // A newer generation may have been rendered while this one waited: never go back.
    std::lock_guard lock(current_mutex_);
    if (current_ && current_->generation >= generation) return;
  }
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->text = render_text(merge_and_sort(*slots));
  snapshot->gzip = gzip_compress(snapshot->text);
  snapshot->generation = generation;
  std::lock_guard lock(current_mutex_);
  current_ = std::move(snapshot);
}

SnapshotPtr SnapshotStore::current() const {
  std::lock_guard lock(current_mutex_);
  return current_;
}

}  // namespace llmon
