#include "collectors/gpu/gpu_collector.hpp"

namespace llmon::gpu {

MetricFamilies gpu_families(const std::vector<GpuDevice>& devices, const std::string& backend) {
  FamilySet set;
  set.gauge("llmon_gpu_devices", "Number of AMD GPUs found by the backend in use.",
            {{"backend", backend}}, static_cast<double>(devices.size()));
  for (std::size_t i = 0; i < devices.size(); ++i) {
    const GpuDevice& d = devices[i];
    const std::string gpu = std::to_string(i);
    const Labels g{{"gpu", gpu}};
    set.gauge("llmon_gpu_info", "Identity of each GPU; always 1.",
              {{"gpu", gpu},
               {"card", d.card},
               {"pci_bus", d.pci_bus},
               {"device_id", d.device_id},
               {"name", d.name},
               {"gfx_target", d.gfx_target},
               {"unique_id", d.unique_id},
               {"backend", backend}},
              1.0);
    set.gauge("llmon_gpu_busy_ratio", "Latest GPU busy reading (0-1).", g, d.busy_ratio);
    set.gauge("llmon_gpu_memory_busy_ratio", "Latest memory controller busy reading (0-1).", g,
              d.memory_busy_ratio);
    for (const MemoryPool& p : d.memory) {
      const Labels pl{{"gpu", gpu}, {"pool", p.pool}};
      set.gauge("llmon_gpu_memory_used_bytes",
                "GPU memory in use per pool (vram, vis_vram, gtt); on APUs models live in gtt.", pl,
                p.used_bytes);
      set.gauge("llmon_gpu_memory_total_bytes", "GPU memory size per pool (vram, vis_vram, gtt).",
                pl, p.total_bytes);
    }
    for (const Temperature& t : d.temperatures) {
      set.gauge("llmon_gpu_temperature_celsius", "GPU temperature per sensor.",
                {{"gpu", gpu}, {"sensor", t.sensor}}, t.celsius);
    }
    // One help text for both series of the family.
    constexpr const char* kPowerHelp =
        "Latest power draw by domain: package (the GPU package of a discrete card, the whole SoC "
        "with its CPU cores on an APU), gfx (the GPU alone, APUs).";
    set.gauge("llmon_gpu_power_watts", kPowerHelp, {{"gpu", gpu}, {"domain", "package"}},
              d.power_watts);
    set.gauge("llmon_gpu_power_watts", kPowerHelp, {{"gpu", gpu}, {"domain", "gfx"}},
              d.gfx_power_watts);
    set.gauge("llmon_gpu_clock_hertz", "Current clock frequency (sclk: shader, mclk: memory).",
              {{"gpu", gpu}, {"clock", "sclk"}}, d.sclk_hertz);
    set.gauge("llmon_gpu_clock_hertz", "Current clock frequency (sclk: shader, mclk: memory).",
              {{"gpu", gpu}, {"clock", "mclk"}}, d.mclk_hertz);
    set.gauge("llmon_gpu_fan_rpm", "Fan speed in revolutions per minute.", g, d.fan_rpm);
    set.gauge("llmon_gpu_fan_speed_ratio", "Fan duty cycle (0-1).", g, d.fan_speed_ratio);
    if (d.performance_level) {
      set.gauge("llmon_gpu_performance_level_info",
                "DPM performance level (power_dpm_force_performance_level); always 1.",
                {{"gpu", gpu}, {"level", *d.performance_level}}, 1.0);
    }
  }
  return set.take();
}

}  // namespace llmon::gpu
