#include "collectors/gpu/gpu_collector.hpp"

#include <algorithm>
#include <stdexcept>

#include "collectors/gpu/rocm_smi_backend.hpp"
#include "collectors/gpu/sysfs_backend.hpp"
#include "common/log.hpp"

namespace llmon::gpu {

namespace {

// While "auto" finds no GPU, look again at most this often: amdgpu may load after llmon
// starts, but re-opening the ROCm library every few seconds would be wasteful.
constexpr auto kReprobeEvery = std::chrono::minutes(1);
// A sample older than this many sample intervals is not stretched over the gap.
constexpr int kMaxGapIntervals = 5;

class GpuFullCollector final : public Collector {
 public:
  explicit GpuFullCollector(std::shared_ptr<GpuMonitor> m) : monitor_(std::move(m)) {}
  std::string name() const override { return "gpu"; }
  Duration interval() const override { return monitor_->config().interval; }
  CollectResult collect() override { return monitor_->collect_full(); }

 private:
  std::shared_ptr<GpuMonitor> monitor_;
};

class GpuSampleCollector final : public Collector {
 public:
  explicit GpuSampleCollector(std::shared_ptr<GpuMonitor> m) : monitor_(std::move(m)) {}
  std::string name() const override { return "gpu_sampler"; }
  Duration interval() const override { return monitor_->config().sample_interval; }
  // A sample must never be held up for long: a stuck read shows as a failure at once.
  Duration timeout() const override {
    return std::max(monitor_->config().sample_interval, Duration(std::chrono::seconds(2)));
  }
  CollectResult collect() override { return monitor_->collect_sample(); }

 private:
  std::shared_ptr<GpuMonitor> monitor_;
};

}  // namespace

GpuMonitor::GpuMonitor(GpuConfig config, RocmSmiHost host)
    : config_(std::move(config)), host_(std::move(host)) {}

void GpuMonitor::ensure_backend_locked() {
  if (backend_) return;
  const auto now = std::chrono::steady_clock::now();
  if (config_.backend == "none") {
    if (!probed_) logger("gpu")->info("GPU monitoring disabled (gpu.backend = \"none\")");
    probed_ = true;
    return;
  }
  if (config_.backend == "rocm_smi") {
    auto backend = make_rocm_smi_backend(config_.rocm_smi_library, config_.sysfs_root, host_);
    if (!backend) throw std::runtime_error(backend.error().message);
    backend_ = std::move(backend).value();
    logger("gpu")->info("using the rocm_smi backend ({})", config_.rocm_smi_library);
    return;
  }
  if (config_.backend == "sysfs") {
    backend_ = make_sysfs_backend(config_.sysfs_root);
    logger("gpu")->info("using the sysfs backend under {}", config_.sysfs_root.string());
    return;
  }
  // auto
  if (probed_ && now - last_probe_ < kReprobeEvery) return;
  const bool first = !probed_;
  probed_ = true;
  last_probe_ = now;
  // rocm_smi reads the same amdgpu sysfs files, so without an AMD card there it cannot find a
  // GPU either: skip it then, which spares boxes without a GPU the library's own error output.
  const std::size_t sysfs_count = count_sysfs_gpus(config_.sysfs_root);
  std::string rocm_reason = "not tried";
  if (sysfs_count > 0) {
    // A library that is not installed is the normal case without ROCm; one that is installed but
    // fails (a stale mutex, an init error) is worth a warning, with what to do about it.
    bool noteworthy = false;
    if (!rocm_smi_installed(config_.rocm_smi_library)) {
      rocm_reason = "'" + config_.rocm_smi_library + "' is not installed";
    } else if (auto rocm =
                   make_rocm_smi_backend(config_.rocm_smi_library, config_.sysfs_root, host_)) {
      const std::size_t n = rocm.value()->read_fast().size();
      if (n > 0) {
        backend_ = std::move(rocm).value();
        logger("gpu")->info("using the rocm_smi backend ({}): {} GPU(s)", config_.rocm_smi_library,
                            n);
        return;
      }
      rocm_reason = "rocm_smi reports no GPU";
    } else {
      rocm_reason = rocm.error().message;
      noteworthy = true;
    }
    backend_ = make_sysfs_backend(config_.sysfs_root);
    logger("gpu")->log(noteworthy ? spdlog::level::warn : spdlog::level::info,
                       "using the sysfs backend under {}: {} GPU(s) (rocm_smi not used: {})",
                       config_.sysfs_root.string(), sysfs_count, rocm_reason);
    return;
  }
  if (first) {
    logger("gpu")->info(
        "no AMD GPU found (no AMD card under {}); llmon_gpu_devices is 0 and llmon looks again "
        "every minute",
        (config_.sysfs_root / "class/drm").string());
  }
}

MetricFamilies GpuMonitor::collect_full() {
  std::lock_guard lock(mutex_);
  ensure_backend_locked();
  if (!backend_) {
    std::lock_guard stats(stats_mutex_);
    latest_devices_.emplace();
    return gpu_families({}, "none");
  }
  std::vector<GpuDevice> devices = backend_->read_devices();
  {
    std::lock_guard stats(stats_mutex_);
    order_.clear();
    for (const auto& d : devices) order_.push_back(d.pci_bus);
    latest_devices_ = devices;
  }
  return gpu_families(devices, backend_->name());
}

void GpuMonitor::record_samples(SteadyTime now, const std::vector<FastSample>& samples) {
  std::lock_guard stats(stats_mutex_);
  const double max_gap = to_seconds(config_.sample_interval) * kMaxGapIntervals;
  latest_busy_.reset();
  sampled_.clear();
  for (const FastSample& s : samples) {
    sampled_.push_back(s.pci_bus);
    Integrator& in = integrators_[s.pci_bus];
    const double dt =
        in.started ? std::clamp(std::chrono::duration<double>(now - in.last).count(), 0.0, max_gap)
                   : 0;
    in.started = true;
    in.last = now;
    // Sample-and-hold: the value read now stands for the interval that just ended.
    if (s.busy_ratio) {
      in.busy_seconds = in.busy_seconds.value_or(0) + *s.busy_ratio * dt;
      latest_busy_ = std::max(latest_busy_.value_or(0), *s.busy_ratio);
    }
    if (s.power_watts) in.energy_joules = in.energy_joules.value_or(0) + *s.power_watts * dt;
    if (s.gfx_power_watts) {
      in.gfx_energy_joules = in.gfx_energy_joules.value_or(0) + *s.gfx_power_watts * dt;
    }
    in.history.add({now, s.busy_ratio, in.busy_seconds, s.power_watts, in.energy_joules,
                    s.gfx_power_watts, in.gfx_energy_joules});
  }
}

MetricFamilies GpuMonitor::collect_sample() {
  std::lock_guard lock(mutex_);
  ensure_backend_locked();
  if (!backend_) return {};
  record_samples(std::chrono::steady_clock::now(), backend_->read_fast());
  std::lock_guard stats(stats_mutex_);
  FamilySet set;
  constexpr const char* kEnergyHelp =
      "Energy drawn by domain (as llmon_gpu_power_watts), integrated from fast power samples; "
      "rate() is the average power in watts.";
  for (std::size_t i = 0; i < sampled_.size(); ++i) {
    const Integrator& in = integrators_[sampled_[i]];
    const std::string gpu = std::to_string(i);
    set.counter("llmon_gpu_busy_seconds_total",
                "Seconds the GPU was busy, integrated from fast samples; rate() is the average "
                "busy ratio.",
                {{"gpu", gpu}}, in.busy_seconds);
    set.counter("llmon_gpu_energy_joules_total", kEnergyHelp, {{"gpu", gpu}, {"domain", "package"}},
                in.energy_joules);
    set.counter("llmon_gpu_energy_joules_total", kEnergyHelp, {{"gpu", gpu}, {"domain", "gfx"}},
                in.gfx_energy_joules);
  }
  return set.take();
}

std::optional<double> GpuMonitor::latest_busy_ratio() const {
  std::lock_guard lock(stats_mutex_);
  return latest_busy_;
}

std::optional<std::vector<GpuDevice>> GpuMonitor::latest_devices() const {
  std::lock_guard lock(stats_mutex_);
  return latest_devices_;
}

GpuMark GpuMonitor::mark() const {
  std::lock_guard lock(stats_mutex_);
  GpuMark mark;
  for (const auto& [pci_bus, in] : integrators_) {
    if (const CounterPoint* latest = in.history.latest()) mark.emplace(pci_bus, *latest);
  }
  return mark;
}

std::vector<GpuWindow> GpuMonitor::window(const GpuMark& mark, SteadyTime start,
                                          SteadyTime end) const {
  std::lock_guard lock(stats_mutex_);
  std::vector<GpuWindow> out;
  for (const auto& [pci_bus, in] : integrators_) {
    const auto anchor = mark.find(pci_bus);
    out.push_back(
        {pci_bus, in.history.totals(anchor == mark.end() ? nullptr : &anchor->second, start, end)});
  }
  return out;
}

std::vector<std::unique_ptr<Collector>> make_gpu_collectors(const SourcesConfig& config,
                                                            Services& services) {
  auto monitor = std::make_shared<GpuMonitor>(config.gpu);
  services.gpu = monitor;
  std::vector<std::unique_ptr<Collector>> out;
  out.push_back(std::make_unique<GpuFullCollector>(monitor));
  out.push_back(std::make_unique<GpuSampleCollector>(monitor));
  return out;
}

}  // namespace llmon::gpu
