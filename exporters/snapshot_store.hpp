#pragma once
// SnapshotStore: the latest metric families of every source, rendered once per change.
// Thread-safe: collectors publish from worker threads while scrapes read current() from the
// network thread; current() is a pointer copy and never waits for a render.
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/metrics.hpp"
#include "exporters/snapshot.hpp"
#include "exporters/text_format.hpp"

namespace llmon {

class SnapshotStore {
 public:
  // One slot update: families replace the slot's previous ones; nullopt removes the slot.
  using Update = std::pair<std::string, std::optional<MetricFamilies>>;

  // Applies all updates atomically (a scrape sees all of them or none) and re-renders.
  void apply(std::vector<Update> updates);
  void publish(const std::string& slot, MetricFamilies families);
  void remove(const std::string& slot);

  SnapshotPtr current() const;
  SnapshotSource source() const {
    return [this] { return current(); };
  }

 private:
  void render_and_swap(std::uint64_t generation,
                       std::shared_ptr<const std::map<std::string, MetricFamilies>> slots);

  mutable std::mutex slots_mutex_;  // guards slots_ and generation_
  std::shared_ptr<const std::map<std::string, MetricFamilies>> slots_ =
      std::make_shared<const std::map<std::string, MetricFamilies>>();
  std::uint64_t generation_ = 0;

  std::mutex render_mutex_;           // one render at a time; never held by scrapes
  mutable std::mutex current_mutex_;  // guards current_ only (held for a pointer copy)
  SnapshotPtr current_;
};

// Merges families of the same name across slots, drops empty ones, sorts families by name and
// series by label values: the deterministic order the text format and golden files rely on. A
// series repeating the label set of one before it in its family is dropped.
MetricFamilies merge_and_sort(const std::map<std::string, MetricFamilies>& slots);

}  // namespace llmon
