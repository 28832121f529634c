#pragma once
// CounterHistory: the last few hundred fast samples of one GPU with its integrated counters at
// each, so that the busy seconds and joules of any recent interval (a benchmark run, however
// short) can be read off exactly, rather than as the difference of two counter readings that
// only move once per sample. Not synchronised: GpuMonitor guards it with its stats mutex.
#include <chrono>
#include <cstddef>
#include <deque>
#include <optional>

namespace llmon::gpu {

using SteadyTime = std::chrono::steady_clock::time_point;

// One fast sample: what was read at `time`, and the running totals including it. Each reading
// stands for the interval that ended with it (power1_average and gpu_busy_percent are the
// firmware's averages over the recent past), as the exported counters integrate it.
struct CounterPoint {
  SteadyTime time;
  std::optional<double> busy_ratio;
  std::optional<double> busy_seconds;
  std::optional<double> package_watts;
  std::optional<double> package_joules;
  std::optional<double> gfx_watts;
  std::optional<double> gfx_joules;
};

// Totals over an interval; each absent when no sample says anything about it.
struct WindowTotals {
  std::optional<double> busy_seconds;
  std::optional<double> package_joules;
  std::optional<double> gfx_joules;
  // A sample at or after the interval's end exists: the totals will not change any more.
  bool complete = false;
};

class CounterHistory {
 public:
  explicit CounterHistory(std::size_t capacity = 512) : capacity_(capacity) {}

  // Appends a sample (times never go backwards: an older one is ignored); the oldest one goes
  // once there are `capacity` of them.
  void add(const CounterPoint& point);
  const CounterPoint* latest() const { return points_.empty() ? nullptr : &points_.back(); }

  // Busy seconds and joules between `start` and `end`: the running totals interpolated at both
  // ends between the samples around them. `anchor` is the latest sample when the interval
  // began (latest() then): it stands in for samples the history has since dropped, on an
  // interval longer than the history. Past the newest sample the last reading is held.
  // A total is absent when no sample falls inside the interval and none brackets it.
  WindowTotals totals(const CounterPoint* anchor, SteadyTime start, SteadyTime end) const;

 private:
  std::size_t capacity_;
  std::deque<CounterPoint> points_;  // oldest first
};

}  // namespace llmon::gpu
