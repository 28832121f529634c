#include "builder.hpp"

#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "layouts.hpp"

namespace llmon::test::gpu_metrics {

namespace {

namespace L = gpu_metrics_layout;

// Format 1 counts whole degrees, watts and percent; formats 2 and 3 centi-degrees and
// milliwatts (the units each kernel *_get_gpu_metrics() writes).
struct Scale {
  double temperature;
  double power;
};

template <typename T>
void put(T& field, const std::optional<double>& value, double scale) {
  if (value) field = static_cast<T>(std::llround(*value * scale));
}

template <typename Table>
std::vector<std::byte> finish(Table& t, int format, int content) {
  t.header.structure_size = sizeof(Table);
  t.header.format_revision = static_cast<L::u8>(format);
  t.header.content_revision = static_cast<L::u8>(content);
  std::vector<std::byte> bytes(sizeof(Table));
  std::memcpy(bytes.data(), &t, sizeof(Table));
  return bytes;
}

// Every byte 0xFF first, as smu_cmn_init_soft_gpu_metrics() does.
template <typename Table>
Table unfilled() {
  static_assert(std::is_trivially_copyable_v<Table>);
  Table t;
  std::memset(&t, 0xFF, sizeof t);
  return t;
}

template <typename Table>
std::vector<std::byte> discrete(int format, int content, const Values& v) {
  Table t = unfilled<Table>();
  put(t.temperature_edge, v.edge_celsius, 1);
  put(t.temperature_hotspot, v.hotspot_celsius, 1);
  put(t.temperature_mem, v.memory_celsius, 1);
  put(t.average_gfx_activity, v.gfx_activity_percent, 1);
  put(t.average_umc_activity, v.memory_activity_percent, 1);
  put(t.average_socket_power, v.socket_watts, 1);
  put(t.current_gfxclk, v.gfxclk_mhz, 1);
  put(t.current_uclk, v.uclk_mhz, 1);
  return finish(t, format, content);
}

template <typename Table>
std::vector<std::byte> mi300(int format, int content, const Values& v) {
  Table t = unfilled<Table>();
  put(t.temperature_hotspot, v.hotspot_celsius, 1);
  put(t.temperature_mem, v.memory_celsius, 1);
  put(t.curr_socket_power, v.socket_watts, 1);
  put(t.average_gfx_activity, v.gfx_activity_percent, 1);
  put(t.average_umc_activity, v.memory_activity_percent, 1);
  put(t.current_gfxclk[0], v.gfxclk_mhz, 1);
  put(t.current_uclk, v.uclk_mhz, 1);
  return finish(t, format, content);
}

template <typename Table>
std::vector<std::byte> apu(int format, int content, const Values& v) {
  Table t = unfilled<Table>();
  put(t.temperature_gfx, v.edge_celsius, 100);
  put(t.temperature_soc, v.soc_celsius, 100);
  // Centi-percent on some firmwares, percent on others: llmon does not read it.
  put(t.average_gfx_activity, v.gfx_activity_percent, 100);
  put(t.average_socket_power, v.socket_watts, 1000);
  put(t.average_gfx_power, v.gfx_watts, 1000);
  if constexpr (std::is_same_v<Table, L::V3_0>) {
    put(t.average_apu_power, v.socket_watts, 1000);
    put(t.average_gfxclk_frequency, v.gfxclk_mhz, 1);
    put(t.average_uclk_frequency, v.uclk_mhz, 1);
  } else {
    put(t.current_gfxclk, v.gfxclk_mhz, 1);
    put(t.current_uclk, v.uclk_mhz, 1);
  }
  return finish(t, format, content);
}

}  // namespace

std::vector<std::byte> build(int format, int content, const Values& v) {
  switch (format * 100 + content) {
    case 100:
      return discrete<L::V1_0>(format, content, v);
    case 101:
      return discrete<L::V1_1>(format, content, v);
    case 102:
      return discrete<L::V1_2>(format, content, v);
    case 103:
      return discrete<L::V1_3>(format, content, v);
    case 104:
      return mi300<L::V1_4>(format, content, v);
    case 105:
      return mi300<L::V1_5>(format, content, v);
    case 106:
      return mi300<L::V1_6>(format, content, v);
    case 200:
      return apu<L::V2_0>(format, content, v);
    case 201:
      return apu<L::V2_1>(format, content, v);
    case 202:
      return apu<L::V2_2>(format, content, v);
    case 203:
      return apu<L::V2_3>(format, content, v);
    case 204:
      return apu<L::V2_4>(format, content, v);
    case 300:
      return apu<L::V3_0>(format, content, v);
    default:
      throw std::invalid_argument("no gpu_metrics layout v" + std::to_string(format) + "_" +
                                  std::to_string(content));
  }
}

std::size_t structure_size(int format, int content) { return build(format, content, {}).size(); }

}  // namespace llmon::test::gpu_metrics
