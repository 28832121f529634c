#pragma once
// parse_gpu_metrics: amdgpu's binary `gpu_metrics` sysfs table, read into the few values llmon
// uses, in base units. Pure and stateless; safe from any thread.
//
// Why llmon reads it: on an APU, hwmon's power1_average/power1_input is the whole package (CPU
// cores included), and gpu_metrics is the only sysfs source of the GPU's own power. It also
// fills values a card's sysfs lacks (the memory clock of an APU, the SoC temperature).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "common/result.hpp"

namespace llmon::gpu {

struct GpuMetrics {
  std::uint16_t structure_size = 0;  // as the header says
  std::uint8_t format_revision = 0;  // 1: discrete GPUs, 2 and 3: APUs
  std::uint8_t content_revision = 0;
  // False for a version this llmon does not know: only the header was read, every value below
  // is absent (a guessed layout would report wrong numbers as if they were measured).
  bool known_layout = false;
  // The file ended before structure_size: fields past its end are absent.
  bool truncated = false;

  // What the SMU's socket power covers: the GPU package of a discrete card, the whole SoC (CPU
  // cores included) on an APU. Fields the firmware does not fill (0xFFFF...) are absent.
  std::optional<double> socket_watts;
  std::optional<double> gfx_watts;  // the GPU alone (APUs: average_gfx_power)
  // Busy ratios 0-1, from discrete GPUs only: APU firmwares disagree on the unit (percent or
  // centi-percent) and every APU has gpu_busy_percent anyway.
  std::optional<double> gfx_activity_ratio;
  std::optional<double> memory_activity_ratio;
  std::optional<double> edge_celsius;      // APUs: the GFX temperature, which hwmon calls edge
  std::optional<double> junction_celsius;  // hotspot
  std::optional<double> memory_celsius;
  std::optional<double> soc_celsius;  // APUs
  std::optional<double> gfx_clock_hertz;
  std::optional<double> memory_clock_hertz;  // UCLK
};

// Reads a gpu_metrics file's bytes: the header (structure_size, format_revision,
// content_revision), then the fields of the layouts of kgd_pp_interface.h it knows (listed in
// gpu_metrics.cpp), never past the end of `bytes` nor past structure_size. Errors (located, for
// the log): fewer bytes than the 4-byte header, or a header no kernel writes (structure_size
// below 4, format_revision 0).
Expected<GpuMetrics> parse_gpu_metrics(std::span<const std::byte> bytes);

}  // namespace llmon::gpu
