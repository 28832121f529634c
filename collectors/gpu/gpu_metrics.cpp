#include "collectors/gpu/gpu_metrics.hpp"

#include <algorithm>
#include <array>
#include <string>

namespace llmon::gpu {

namespace {

// Layouts of the Linux kernel's drivers/gpu/drm/amd/include/kgd_pp_interface.h, by version:
//   1.0, 1.1, 1.2, 1.3  discrete GPUs (Navi 1x-4x: smu_v11_0, smu_v13_0_0/7, smu_v14_0_2)
//   1.4, 1.5, 1.6       Instinct MI300 (smu_v13_0_6)
//   2.0, 2.1, 2.2, 2.3, 2.4  APUs (Renoir, Van Gogh, Yellow Carp, Phoenix...)
//   3.0                 MP1 14.0.x APUs (Strix Point, Krackan, Strix Halo)
// The structs are not packed: the offsets below are those of natural alignment, checked
// against the compiler's layout of the same structs in tests/support/gpu_metrics/layouts.hpp.
// Units, as the kernel's *_get_gpu_metrics() fill them (smu_cmn_init_soft_gpu_metrics() first
// sets every byte to 0xFF, which is how an unfilled field reads): format 1 in degrees Celsius,
// watts, percent; formats 2 and 3 in centi-degrees and milliwatts; clocks always in MHz.
enum class Unit { kCelsius, kCentiCelsius, kWatts, kMilliwatts, kPercent, kMegahertz };

struct Field {
  std::uint16_t offset;
  std::uint8_t width;  // bytes: 2 or 4, little-endian like every amdgpu host
  Unit unit;
  std::optional<double> GpuMetrics::*value;
};

using M = GpuMetrics;
constexpr Unit C = Unit::kCelsius, cC = Unit::kCentiCelsius, W = Unit::kWatts,
               mW = Unit::kMilliwatts, Pct = Unit::kPercent, MHz = Unit::kMegahertz;

constexpr Field kV1_0[] = {
    {16, 2, C, &M::edge_celsius},
    {18, 2, C, &M::junction_celsius},
    {20, 2, C, &M::memory_celsius},
    {28, 2, Pct, &M::gfx_activity_ratio},
    {30, 2, Pct, &M::memory_activity_ratio},
    {34, 2, W, &M::socket_watts},
    {54, 2, MHz, &M::gfx_clock_hertz},
    {58, 2, MHz, &M::memory_clock_hertz},
};
// 1.2 and 1.3 only append fields to 1.1.
constexpr Field kV1_1[] = {
    {4, 2, C, &M::edge_celsius},
    {6, 2, C, &M::junction_celsius},
    {8, 2, C, &M::memory_celsius},
    {16, 2, Pct, &M::gfx_activity_ratio},
    {18, 2, Pct, &M::memory_activity_ratio},
    {22, 2, W, &M::socket_watts},
    {54, 2, MHz, &M::gfx_clock_hertz},
    {58, 2, MHz, &M::memory_clock_hertz},
};
// 1.4 to 1.6 share their first fields; current_gfxclk (of the first XCC) and current_uclk move.
constexpr std::array<Field, 7> mi300(std::uint16_t gfxclk, std::uint16_t uclk) {
  return {{{4, 2, C, &M::junction_celsius},
           {6, 2, C, &M::memory_celsius},
           {10, 2, W, &M::socket_watts},
           {12, 2, Pct, &M::gfx_activity_ratio},
           {14, 2, Pct, &M::memory_activity_ratio},
           {gfxclk, 2, MHz, &M::gfx_clock_hertz},
           {uclk, 2, MHz, &M::memory_clock_hertz}}};
}
constexpr auto kV1_4 = mi300(240, 280);
constexpr auto kV1_5 = mi300(312, 352);
constexpr auto kV1_6 = mi300(336, 376);
constexpr Field kV2_0[] = {
    {16, 2, cC, &M::edge_celsius},     {18, 2, cC, &M::soc_celsius},
    {44, 2, mW, &M::socket_watts},     {50, 2, mW, &M::gfx_watts},
    {80, 2, MHz, &M::gfx_clock_hertz}, {84, 2, MHz, &M::memory_clock_hertz},
};
// 2.2 to 2.4 only append fields to 2.1.
constexpr Field kV2_1[] = {
    {4, 2, cC, &M::edge_celsius},      {6, 2, cC, &M::soc_celsius},
    {40, 2, mW, &M::socket_watts},     {46, 2, mW, &M::gfx_watts},
    {76, 2, MHz, &M::gfx_clock_hertz}, {80, 2, MHz, &M::memory_clock_hertz},
};
// 3.0 has no current clocks, only the firmware's time-filtered averages; its powers are 32-bit.
constexpr Field kV3_0[] = {
    {4, 2, cC, &M::edge_celsius},       {6, 2, cC, &M::soc_celsius},
    {112, 4, mW, &M::socket_watts},     {124, 4, mW, &M::gfx_watts},
    {174, 2, MHz, &M::gfx_clock_hertz}, {186, 2, MHz, &M::memory_clock_hertz},
};

struct Layout {
  std::uint8_t format;
  std::uint8_t content;
  std::span<const Field> fields;
};

constexpr std::array<Layout, 13> kLayouts{{
    {1, 0, kV1_0},
    {1, 1, kV1_1},
    {1, 2, kV1_1},
    {1, 3, kV1_1},
    {1, 4, kV1_4},
    {1, 5, kV1_5},
    {1, 6, kV1_6},
    {2, 0, kV2_0},
    {2, 1, kV2_1},
    {2, 2, kV2_1},
    {2, 3, kV2_1},
    {2, 4, kV2_1},
    {3, 0, kV3_0},
}};

std::uint32_t little_endian(std::span<const std::byte> bytes, std::size_t offset,
                            std::size_t width) {
  std::uint32_t value = 0;
  for (std::size_t i = 0; i < width; ++i) {
    value |= std::to_integer<std::uint32_t>(bytes[offset + i]) << (8 * i);
  }
  return value;
}

std::optional<double> convert(std::uint32_t raw, Unit unit) {
  const double v = static_cast<double>(raw);
  switch (unit) {
    case Unit::kCelsius:
      return v;
    case Unit::kCentiCelsius:
      return v / 100.0;
    case Unit::kWatts:
      return v;
    case Unit::kMilliwatts:
      return v / 1000.0;
    case Unit::kPercent:
      if (raw > 100) return std::nullopt;  // no firmware reports more; the unit must differ
      return v / 100.0;
    case Unit::kMegahertz:
      return v * 1e6;
  }
  return std::nullopt;
}

}  // namespace

Expected<GpuMetrics> parse_gpu_metrics(std::span<const std::byte> bytes) {
  if (bytes.size() < 4) {
    return make_error("gpu_metrics: " + std::to_string(bytes.size()) +
                      " bytes, shorter than its 4-byte header");
  }
  GpuMetrics m;
  m.structure_size = static_cast<std::uint16_t>(little_endian(bytes, 0, 2));
  m.format_revision = std::to_integer<std::uint8_t>(bytes[2]);
  m.content_revision = std::to_integer<std::uint8_t>(bytes[3]);
  if (m.structure_size < 4 || m.format_revision == 0) {
    return make_error("gpu_metrics: implausible header (structure_size " +
                      std::to_string(m.structure_size) + ", format_revision " +
                      std::to_string(m.format_revision) + ")");
  }
  m.truncated = bytes.size() < m.structure_size;
  // Nothing past the table the header announces, nor past what was read.
  const std::size_t end = std::min<std::size_t>(bytes.size(), m.structure_size);
  for (const Layout& layout : kLayouts) {
    if (layout.format != m.format_revision || layout.content != m.content_revision) continue;
    m.known_layout = true;
    for (const Field& f : layout.fields) {
      if (f.offset + f.width > end) continue;
      const std::uint32_t raw = little_endian(bytes, f.offset, f.width);
      const std::uint32_t unfilled = f.width == 2 ? 0xFFFFu : 0xFFFFFFFFu;
      if (raw != unfilled) m.*(f.value) = convert(raw, f.unit);
    }
  }
  return m;
}

}  // namespace llmon::gpu
