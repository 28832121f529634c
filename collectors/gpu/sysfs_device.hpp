#pragma once
// Reading one AMD card's amdgpu sysfs attributes, its hwmon and gpu_metrics: the sysfs backend
// reads everything with it, the rocm_smi backend what the library cannot be trusted with.
// Stateless functions that only read the filesystem; safe from any thread.
#include <filesystem>
#include <optional>

#include "collectors/gpu/gpu_device.hpp"
#include "collectors/gpu/gpu_metrics.hpp"
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
// The current shader and memory clocks: hwmon's measured freqN_input, else the firmware's from
// gpu_metrics, else the starred (requested, not measured) level of pp_dpm_sclk / pp_dpm_mclk.
Clocks read_clocks(const CardPaths& card, const GpuMetrics* metrics);

// A gpu_metrics file, parsed; nullopt when it is missing or unreadable. The version seen, an
// unknown version and a damaged file are logged once per change, not on every read.
std::optional<GpuMetrics> read_gpu_metrics(const std::filesystem::path& file);

// What gpu_metrics adds to a reading: the GPU-only power, and the package power, busy ratios and
// temperature sensors the other sources left absent (their own values are never replaced).
void apply_gpu_metrics(const GpuMetrics& metrics, GpuDevice& device);
void apply_gpu_metrics(const GpuMetrics& metrics, FastSample& sample);

}  // namespace llmon::gpu::sysfs
