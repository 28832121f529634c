#pragma once
// Collector: one source of metrics, run by the Scheduler on its own interval.
// A collector instance is only ever run by one thread at a time (the scheduler never overlaps
// runs of the same collector), so implementations need no locking for their own state.
#include <chrono>
#include <string>

#include "common/duration.hpp"
#include "common/metrics.hpp"

namespace llmon {

class Collector {
 public:
  virtual ~Collector() = default;

  // Value of the `collector` label on llmon_collector_* series; unique per daemon.
  virtual std::string name() const = 0;
  // Time between the end of one run and the start of the next (failures back off from it).
  virtual Duration interval() const = 0;
  // A run still going after this long counts as failed; its series are withdrawn.
  virtual Duration timeout() const { return interval(); }

  // Reads the source (blocking I/O is fine: this runs on the worker pool, never on the network
  // thread) and returns the complete set of families. Throws on failure; the scheduler turns
  // the exception into llmon_collector_success 0 and one log line per state change.
  virtual MetricFamilies collect() = 0;
};

}  // namespace llmon
