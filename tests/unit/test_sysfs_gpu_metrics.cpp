// What the gpu_metrics file adds to the sysfs backend's readings, and what it must never replace.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "builder.hpp"
#include "collectors/gpu/sysfs_backend.hpp"
#include "collectors/gpu/sysfs_discovery.hpp"
#include "sysfs_test_support.hpp"

namespace fs = std::filesystem;
namespace gm = llmon::test::gpu_metrics;
using llmon::gpu::GpuDevice;
using llmon::gpu::make_sysfs_backend;
using llmon::test::TreeCopy;

namespace {

void write_metrics(const fs::path& file, const std::vector<std::byte>& bytes) {
  std::ofstream(file, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
}

bool has_sensor(const GpuDevice& gpu, const std::string& sensor) {
  for (const auto& t : gpu.temperatures) {
    if (t.sensor == sensor) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("sysfs gpu_metrics: an APU's GPU power is sampled apart from its package power") {
  auto backend = make_sysfs_backend(llmon::test::sysfs_fixture("strix_halo"));
  const auto samples = backend->read_fast();
  REQUIRE(samples.size() == 1);
  CHECK(samples[0].power_watts == doctest::Approx(48.123));
  CHECK(samples[0].gfx_power_watts == doctest::Approx(31.5));
}

TEST_CASE("sysfs gpu_metrics: the fast sampler reads it only where it adds something") {
  const auto apu = llmon::gpu::sysfs::discover_cards(llmon::test::sysfs_fixture("strix_halo"));
  REQUIRE(apu.size() == 1);
  CHECK(apu[0].fast_gpu_metrics.filename() == "gpu_metrics");  // GPU-only power
  // Discrete cards: hwmon has power and gpu_busy_percent has busy; gpu_metrics adds nothing to a
  // sample, and every read would wake a runtime-suspended card.
  for (const auto& card :
       llmon::gpu::sysfs::discover_cards(llmon::test::sysfs_fixture("dual_discrete"))) {
    CHECK(card.fast_gpu_metrics.empty());
  }
}

TEST_CASE("sysfs gpu_metrics: fills what sysfs lacks, never replaces what it has") {
  TreeCopy tree("dual_discrete");
  const fs::path dev = tree.device("card0");
  const fs::path hwmon = dev / "hwmon/hwmon2";
  gm::Values v;
  v.socket_watts = 300;  // unlike every file of the tree
  v.gfx_activity_percent = 50;
  v.memory_activity_percent = 20;
  v.edge_celsius = 10;
  v.hotspot_celsius = 11;
  v.memory_celsius = 12;
  v.gfxclk_mhz = 1000;
  v.uclk_mhz = 900;
  write_metrics(dev / "gpu_metrics", gm::build(1, 3, v));

  auto read = [&] {
    const auto gpus = make_sysfs_backend(tree.root())->read_devices();
    REQUIRE(gpus.size() == 2);
    return gpus[0];
  };
  GpuDevice gpu = read();
  CHECK(gpu.power_watts == 341.0);
  CHECK(gpu.busy_ratio == doctest::Approx(0.99));
  CHECK(gpu.memory_busy_ratio == doctest::Approx(0.41));
  CHECK(gpu.temperatures.size() == 3);
  CHECK(gpu.sclk_hertz == 2482e6);
  CHECK(gpu.mclk_hertz == 1249e6);

  for (const char* gone : {"power1_average", "temp1_input", "temp2_input", "temp3_input",
                           "freq1_input", "freq2_input"}) {
    fs::remove(hwmon / gone);
  }
  fs::remove(dev / "gpu_busy_percent");
  fs::remove(dev / "mem_busy_percent");
  gpu = read();
  CHECK(gpu.power_watts == 300.0);
  CHECK(gpu.busy_ratio == doctest::Approx(0.5));
  CHECK(gpu.memory_busy_ratio == doctest::Approx(0.2));
  CHECK(gpu.temperatures.size() == 3);
  CHECK(has_sensor(gpu, "edge"));
  CHECK(has_sensor(gpu, "junction"));
  CHECK(has_sensor(gpu, "mem"));
  CHECK(gpu.sclk_hertz == 1000e6);  // gpu_metrics before the requested DPM level
  CHECK(gpu.mclk_hertz == 900e6);
  CHECK_FALSE(gpu.gfx_power_watts);
  fs::rename(dev / "gpu_metrics", dev / "gpu_metrics.away");
  gpu = read();
  CHECK(gpu.sclk_hertz == 2482e6);  // the starred DPM levels, last
  CHECK(gpu.mclk_hertz == 1249e6);
  fs::rename(dev / "gpu_metrics.away", dev / "gpu_metrics");
  // Now the sampler needs it: it is the only power (and busy) reading left.
  const auto cards = llmon::gpu::sysfs::discover_cards(tree.root());
  CHECK_FALSE(cards[0].fast_gpu_metrics.empty());
  const auto samples = make_sysfs_backend(tree.root())->read_fast();
  CHECK(samples[0].power_watts == 300.0);
  CHECK(samples[0].busy_ratio == doctest::Approx(0.5));
}

TEST_CASE("sysfs gpu_metrics: a damaged, truncated or future-version file harms nothing") {
  TreeCopy tree("strix_halo");
  const fs::path file = tree.device("card1") / "gpu_metrics";
  const auto full = gm::build(3, 0, {});
  struct Case {
    const char* what;
    std::vector<std::byte> bytes;
  };
  std::vector<std::byte> future = gm::build(3, 0, {});
  future[3] = std::byte{7};
  const std::vector<Case> cases = {
      {"empty", {}},
      {"header only", std::vector<std::byte>(full.begin(), full.begin() + 4)},
      {"future", future},
      {"garbage", std::vector<std::byte>(300, std::byte{0x5A})},
  };
  for (const auto& c : cases) {
    CAPTURE(c.what);
    write_metrics(file, c.bytes);
    auto backend = make_sysfs_backend(tree.root());
    const auto gpus = backend->read_devices();
    REQUIRE(gpus.size() == 1);
    CHECK(gpus[0].power_watts == doctest::Approx(48.123));  // hwmon's, untouched
    CHECK_FALSE(gpus[0].gfx_power_watts);
    CHECK(gpus[0].sclk_hertz == 1487e6);
    REQUIRE(backend->read_fast().size() == 1);
  }
}
