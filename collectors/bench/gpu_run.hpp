#pragma once
// What the GPUs did during one benchmark run: average busy ratio and energy over exactly the
// run's interval, from the GPU sampler's recent samples (GpuMonitor::window). Used on the io
// thread; summarise_gpu_run is pure.
#include <boost/asio/any_io_executor.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "collectors/gpu/gpu_collector.hpp"

namespace llmon::bench {

struct GpuRunStats {
  std::optional<double> busy_ratio;  // the busiest GPU's average over the run, 0-1
  // Every GPU's energy over the run: its GPU-only ("gfx") energy where it reports one (APUs),
  // else its package energy, which on an APU includes the CPU cores.
  std::optional<double> energy_joules;
  std::string energy_domain;  // "gfx" | "package" | "mixed" (some GPUs of each); empty: none
};

// `seconds`: the run's length. Absent values stay absent (a run nothing was sampled during).
GpuRunStats summarise_gpu_run(const std::vector<gpu::GpuWindow>& windows, double seconds);

// Calls `done` on `io` with the statistics of [start, end] (`mark` taken at `start`) once the
// sampler has a sample at or after `end`, which a run shorter than a sample interval needs
// before anything can be said about it; after five more sample intervals without one (the gap
// the GPU counters do not stretch over either) it says what it can: values past the last sample
// hold its reading, or are absent when no sample fell inside the run.
void gather_gpu_run(const boost::asio::any_io_executor& io,
                    const std::shared_ptr<gpu::GpuMonitor>& monitor, gpu::GpuMark mark,
                    gpu::SteadyTime start, gpu::SteadyTime end,
                    std::function<void(GpuRunStats)> done);

}  // namespace llmon::bench
