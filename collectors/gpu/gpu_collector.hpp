#pragma once
// The GPU collectors: "gpu" reads every value every gpu.interval; "gpu_sampler" reads busy and
// power every gpu.sample_interval and integrates them into the busy-seconds and energy
// counters, so rate() gives true averages whatever the scrape interval.
// Both share one GpuMonitor, which is thread-safe (one mutex serialises backend access).
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "collectors/collector.hpp"
#include "collectors/gpu/backend.hpp"
#include "collectors/gpu/counter_history.hpp"
#include "collectors/gpu/gpu_config.hpp"
#include "collectors/gpu/rocm_smi_mutex.hpp"
#include "collectors/services.hpp"
#include "collectors/sources_config.hpp"

namespace llmon::gpu {

// The latest fast sample of every GPU, taken when something (a benchmark run) begins.
using GpuMark = std::map<std::string, CounterPoint>;  // by pci_bus

// What one GPU did over an interval.
struct GpuWindow {
  std::string pci_bus;
  WindowTotals totals;
};

class GpuMonitor {
 public:
  // `host`: where rocm_smi keeps its mutexes (tests point it elsewhere).
  explicit GpuMonitor(GpuConfig config, RocmSmiHost host = {});

  // Full reading; the backend is chosen on first use (and re-probed at most once a minute
  // while "auto" finds nothing). Throws when an explicitly configured backend fails.
  MetricFamilies collect_full();
  // Fast sample + integration; publishes the counters.
  MetricFamilies collect_sample();
  // Integrates fast samples read at `time` (collect_sample's second half; tests script it).
  void record_samples(SteadyTime time, const std::vector<FastSample>& samples);
  // For benchmarks: mark() when a run starts, window() when it ends gives each GPU's busy
  // seconds and joules over exactly [start, end]. Thread-safe; never waits for GPU I/O.
  GpuMark mark() const;
  std::vector<GpuWindow> window(const GpuMark& mark, SteadyTime start, SteadyTime end) const;
  // The highest busy ratio of any GPU in the latest fast sample; absent without GPU data.
  std::optional<double> latest_busy_ratio() const;
  // Copy of the latest full reading (empty before the first one, or without a GPU); nullopt
  // until a full reading has been made (so "no GPU" and "not read yet" differ).
  std::optional<std::vector<GpuDevice>> latest_devices() const;

  const GpuConfig& config() const { return config_; }

 private:
  struct Integrator {
    std::optional<double> busy_seconds;
    std::optional<double> energy_joules;
    std::optional<double> gfx_energy_joules;
    SteadyTime last;
    bool started = false;
    CounterHistory history;  // the recent samples with these totals, for window()
  };

  void ensure_backend_locked();

  GpuConfig config_;
  RocmSmiHost host_;
  // mutex_ serialises backend I/O; stats_mutex_ guards only the numbers below it, so readers on
  // the network thread (benchmarks) never wait for a slow GPU read.
  mutable std::mutex mutex_;
  std::unique_ptr<GpuBackend> backend_;
  bool probed_ = false;
  std::chrono::steady_clock::time_point last_probe_;
  mutable std::mutex stats_mutex_;
  std::map<std::string, Integrator> integrators_;  // by pci_bus
  std::vector<std::string> order_;                 // pci_bus in `gpu` label order
  std::vector<std::string> sampled_;               // pci_bus of the latest fast sample
  std::optional<double> latest_busy_;
  std::optional<std::vector<GpuDevice>> latest_devices_;
};

// The "gpu" and "gpu_sampler" collectors over one shared monitor.
// The monitor is also left in services.gpu for the benchmarks.
std::vector<std::unique_ptr<Collector>> make_gpu_collectors(const SourcesConfig& config,
                                                            Services& services);

// Families of one full reading: pure, so it is tested without any backend.
MetricFamilies gpu_families(const std::vector<GpuDevice>& devices, const std::string& backend);

}  // namespace llmon::gpu
