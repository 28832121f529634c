#include "fixtures.hpp"

namespace llmon::test::gpu_metrics {

namespace {

// The two RX 7900 XTX of tests/fixtures/sysfs/dual_discrete, as their hwmon reads.
Values busy_navi31() {
  Values v;
  v.socket_watts = 341;
  v.gfx_activity_percent = 99;
  v.memory_activity_percent = 41;
  v.edge_celsius = 61;
  v.hotspot_celsius = 78;
  v.memory_celsius = 74;
  v.gfxclk_mhz = 2482;
  v.uclk_mhz = 1249;
  return v;
}
Values idle_navi31() {
  Values v;
  v.socket_watts = 28;
  v.gfx_activity_percent = 4;
  v.memory_activity_percent = 0;
  v.edge_celsius = 38;
  v.hotspot_celsius = 41;
  v.memory_celsius = 46;
  v.gfxclk_mhz = 500;
  v.uclk_mhz = 96;
  return v;
}
// The Strix Halo APU of tests/fixtures/sysfs/strix_halo: 48.123 W for the package (hwmon's
// power1_average), 31.5 W of it the GPU's.
Values strix_halo() {
  Values v;
  v.socket_watts = 48.123;
  v.gfx_watts = 31.5;
  v.gfx_activity_percent = 37;
  v.edge_celsius = 52;
  v.soc_celsius = 55.25;
  v.gfxclk_mhz = 1487;
  v.uclk_mhz = 1000;
  return v;
}
// A smaller APU (Phoenix-class): format 2 counts power in 16 bits of milliwatts.
Values phoenix() {
  Values v;
  v.socket_watts = 15.5;
  v.gfx_watts = 9.25;
  v.gfx_activity_percent = 64;
  v.edge_celsius = 61.5;
  v.soc_celsius = 58.75;
  v.gfxclk_mhz = 1600;
  v.uclk_mhz = 800;
  return v;
}
// An Instinct MI300X: format 1.4+ reports the hotspot, not the edge.
Values mi300x() {
  Values v;
  v.socket_watts = 550;
  v.gfx_activity_percent = 87;
  v.memory_activity_percent = 33;
  v.hotspot_celsius = 71;
  v.memory_celsius = 65;
  v.gfxclk_mhz = 2100;
  v.uclk_mhz = 1300;
  return v;
}

}  // namespace

std::vector<Fixture> fixtures() {
  const std::string dir = "tests/fixtures/gpu_metrics/";
  std::vector<Fixture> out;
  for (int content = 0; content <= 3; ++content) {
    out.push_back({dir + "v1_" + std::to_string(content) + ".bin", 1, content, busy_navi31()});
  }
  for (int content = 4; content <= 6; ++content) {
    out.push_back({dir + "v1_" + std::to_string(content) + ".bin", 1, content, mi300x()});
  }
  for (int content = 0; content <= 4; ++content) {
    out.push_back({dir + "v2_" + std::to_string(content) + ".bin", 2, content, phoenix()});
  }
  out.push_back({dir + "v3_0.bin", 3, 0, strix_halo()});
  // Cut after average_socket_power (offset 112), before average_gfx_power (124).
  out.push_back({dir + "v3_0_truncated.bin", 3, 0, strix_halo(), 120});
  out.push_back({dir + "v3_1_future.bin", 3, 0, strix_halo(), 0, 1});
  // The fixture boxes' own files.
  const std::string strix = "tests/fixtures/sysfs/strix_halo/devices/pci0000:00/0000:00:08.1/";
  out.push_back({strix + "0000:c5:00.0/gpu_metrics", 3, 0, strix_halo()});
  const std::string dual = "tests/fixtures/sysfs/dual_discrete/devices/pci0000:00/";
  out.push_back({dual + "0000:00:01.1/0000:01:00.0/0000:02:00.0/0000:03:00.0/gpu_metrics", 1, 3,
                 busy_navi31()});
  out.push_back({dual + "0000:00:03.1/0000:0a:00.0/0000:0b:00.0/0000:0c:00.0/gpu_metrics", 1, 3,
                 idle_navi31()});
  // The fuzzer's seeds: every version, and the damaged files.
  const std::size_t versions = out.size() - 3;
  for (std::size_t i = 0; i < versions; ++i) {
    Fixture seed = out[i];
    seed.path = "tests/fuzz/corpus/gpu_metrics/" + seed.path.substr(dir.size());
    out.push_back(seed);
  }
  return out;
}

std::vector<std::byte> fixture_bytes(const Fixture& f) {
  std::vector<std::byte> bytes = build(f.format, f.content, f.values);
  if (f.future_content >= 0) {
    bytes[3] = static_cast<std::byte>(f.future_content);
    bytes.resize(bytes.size() + 36, std::byte{0xFF});
    const auto size = static_cast<std::uint16_t>(bytes.size());
    bytes[0] = static_cast<std::byte>(size & 0xFF);
    bytes[1] = static_cast<std::byte>(size >> 8);
  }
  if (f.truncate_to != 0 && f.truncate_to < bytes.size()) bytes.resize(f.truncate_to);
  return bytes;
}

}  // namespace llmon::test::gpu_metrics
