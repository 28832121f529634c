#pragma once
// Builds gpu_metrics files as the kernel writes them (tests/support/gpu_metrics/layouts.hpp),
// from values in the units a person reads: for the parser's unit tests and for the committed
// binary fixtures (gpu_metrics_gen writes those). Stateless; test code only.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace llmon::test::gpu_metrics {

// What the firmware reports. An absent value is left as the kernel leaves an unfilled field
// (every byte 0xFF); one the layout has no field for is ignored.
struct Values {
  std::optional<double> socket_watts;
  std::optional<double> gfx_watts;
  std::optional<double> gfx_activity_percent;
  std::optional<double> memory_activity_percent;
  std::optional<double> edge_celsius;  // temperature_edge, or the APU's temperature_gfx
  std::optional<double> hotspot_celsius;
  std::optional<double> memory_celsius;
  std::optional<double> soc_celsius;
  std::optional<double> gfxclk_mhz;  // current_gfxclk (3.0: average_gfxclk_frequency)
  std::optional<double> uclk_mhz;    // current_uclk (3.0: average_uclk_frequency)
};

// The bytes of a gpu_metrics_v<format>_<content> table (1.0-1.6, 2.0-2.4, 3.0) holding `values`.
// Throws std::invalid_argument for any other version.
std::vector<std::byte> build(int format, int content, const Values& values);

// The table's size as the kernel's struct has it.
std::size_t structure_size(int format, int content);

}  // namespace llmon::test::gpu_metrics
