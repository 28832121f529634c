#pragma once
// GpuDevice: one full reading of one AMD GPU, as produced by any backend. Plain value type.
// Every measurement is optional: a value the backend could not read is absent, never 0.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace llmon::gpu {

struct MemoryPool {
  std::string pool;  // "vram" | "vis_vram" | "gtt"
  std::optional<double> used_bytes;
  std::optional<double> total_bytes;
};

struct Temperature {
  std::string sensor;  // hwmon label lower-cased: "edge" | "junction" | "mem" (or tempN)
  double celsius = 0;
};

struct GpuDevice {
  // Identity. `index` is the position in PCI-bus order, which is also the order rocm_smi uses,
  // so the `gpu` label is the same whichever backend read the box.
  std::string card;        // "card1" (empty when unknown)
  std::string pci_bus;     // "0000:c5:00.0"
  std::string device_id;   // "0x1586"
  std::string name;        // marketing name when known, e.g. "AMD Radeon 8060S"
  std::string gfx_target;  // "gfx1151" (empty when unknown)
  std::string unique_id;   // hex serial from unique_id (empty when unknown)

  std::optional<double> busy_ratio;         // 0..1
  std::optional<double> memory_busy_ratio;  // 0..1
  std::vector<MemoryPool> memory;           // in vram, vis_vram, gtt order
  std::vector<Temperature> temperatures;
  // "package": what hwmon's power sensor covers, the GPU package of a discrete card but the
  // whole SoC, CPU cores included, on an APU. "gfx": the GPU alone, where gpu_metrics has it.
  std::optional<double> power_watts;
  std::optional<double> gfx_power_watts;
  std::optional<double> sclk_hertz;
  std::optional<double> mclk_hertz;
  std::optional<double> fan_rpm;
  std::optional<double> fan_speed_ratio;         // 0..1 (pwm1 / 255)
  std::optional<std::string> performance_level;  // "auto", "manual", "high", ...
};

// The cheap subset the fast sampler reads every sample_interval.
struct FastSample {
  std::string pci_bus;  // joins a sample to its GpuDevice
  std::optional<double> busy_ratio;
  std::optional<double> power_watts;      // package, as GpuDevice::power_watts
  std::optional<double> gfx_power_watts;  // GPU only, as GpuDevice::gfx_power_watts
};

// Marketing name for a few well-known PCI device ids (sysfs has no name attribute on most
// consumer cards); empty when unknown.
std::string known_device_name(std::string_view device_id);

// "gfx1151" from a KFD gfx_target_version such as 110501 (major*10000 + minor*100 + step,
// minor and step printed in hex as the LLVM target names do); empty for 0.
std::string gfx_target_name(std::uint64_t gfx_target_version);

}  // namespace llmon::gpu
