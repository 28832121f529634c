#pragma once
// Reading one AMD card's amdgpu sysfs attributes, its hwmon and gpu_metrics: the sysfs backend
// reads everything with it, the rocm_smi backend what the library cannot be trusted with.
// Stateless functions that only read the filesystem; safe from any thread.
#include <optional>

#include "collectors/gpu/gpu_device.hpp"
#include "collectors/gpu/sysfs_discovery.hpp"

namespace llmon::gpu::sysfs {

// Every value of one card; what cannot be read is absent.
GpuDevice read_device(const CardPaths& card);

// The fast sampler's subset (busy ratio, power).
FastSample read_fast_sample(const CardPaths& card);

struct Clocks {
  std::optional<double> sclk_hertz;
  std::optional<double> mclk_hertz;
};
// The current shader and memory clocks: hwmon's measured freqN_input, else the starred level of
// pp_dpm_sclk / pp_dpm_mclk.
Clocks read_clocks(const CardPaths& card);

}  // namespace llmon::gpu::sysfs
