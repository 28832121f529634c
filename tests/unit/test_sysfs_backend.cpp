// The sysfs GPU backend against the fixture trees in tests/fixtures/sysfs (see its README).
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "collectors/gpu/sysfs_backend.hpp"
#include "sysfs_test_support.hpp"

namespace fs = std::filesystem;
using llmon::gpu::GpuDevice;
using llmon::gpu::make_sysfs_backend;
using llmon::test::TreeCopy;

namespace {

fs::path fixture(const char* name) { return llmon::test::sysfs_fixture(name); }

const llmon::gpu::MemoryPool* pool(const GpuDevice& gpu, const std::string& name) {
  for (const auto& p : gpu.memory) {
    if (p.pool == name) return &p;
  }
  return nullptr;
}

std::optional<double> temperature(const GpuDevice& gpu, const std::string& sensor) {
  for (const auto& t : gpu.temperatures) {
    if (t.sensor == sensor) return t.celsius;
  }
  return std::nullopt;
}

}  // namespace

TEST_CASE("sysfs backend: Strix Halo APU box") {
  auto backend = make_sysfs_backend(fixture("strix_halo"));
  CHECK(backend->name() == "sysfs");
  const auto gpus = backend->read_devices();
  // card0 (simple-framebuffer, no vendor), connectors and renderD128 are not GPUs.
  REQUIRE(gpus.size() == 1);
  const GpuDevice& gpu = gpus[0];
  CHECK(gpu.card == "card1");
  CHECK(gpu.pci_bus == "0000:c5:00.0");
  CHECK(gpu.device_id == "0x1586");
  CHECK(gpu.name == "AMD Radeon 8060S");
  CHECK(gpu.gfx_target == "gfx1151");
  // No unique_id file for GC 11.5.1: KFD's serial (13837184231548813590), as rocm_smi 6.x has it.
  CHECK(gpu.unique_id == "c0078dbefd1a8116");
  CHECK(gpu.busy_ratio == doctest::Approx(0.37));
  CHECK_FALSE(gpu.memory_busy_ratio);  // APUs have no mem_busy_percent

  REQUIRE(gpu.memory.size() == 3);
  CHECK(gpu.memory[0].pool == "vram");
  CHECK(gpu.memory[1].pool == "vis_vram");
  CHECK(gpu.memory[2].pool == "gtt");
  CHECK(gpu.memory[0].used_bytes == 209715200.0);
  CHECK(gpu.memory[0].total_bytes == 536870912.0);
  CHECK(gpu.memory[1].total_bytes == 536870912.0);
  CHECK(gpu.memory[2].used_bytes == 37580963840.0);
  CHECK(gpu.memory[2].total_bytes == 120259084288.0);

  REQUIRE(gpu.temperatures.size() == 2);
  CHECK(gpu.temperatures[0].sensor == "edge");
  CHECK(gpu.temperatures[0].celsius == 52.0);
  CHECK(temperature(gpu, "soc") == 55.25);            // gpu_metrics v3.0: hwmon has no such sensor
  CHECK(gpu.power_watts == doctest::Approx(48.123));  // the whole SoC's (power1_average)
  CHECK(gpu.gfx_power_watts == doctest::Approx(31.5));  // gpu_metrics average_gfx_power
  CHECK(gpu.sclk_hertz == 1487e6);                      // freq1_input
  CHECK(gpu.mclk_hertz == 1000e6);                      // no freq2_input: gpu_metrics
  CHECK_FALSE(gpu.fan_rpm);
  CHECK_FALSE(gpu.fan_speed_ratio);
  CHECK(gpu.performance_level == "auto");

  CHECK(llmon::gpu::count_sysfs_gpus(fixture("strix_halo")) == 1);
}

TEST_CASE("sysfs backend: two discrete cards in PCI bus order") {
  auto backend = make_sysfs_backend(fixture("dual_discrete"));
  const auto gpus = backend->read_devices();
  REQUIRE(gpus.size() == 2);
  CHECK(gpus[0].pci_bus == "0000:03:00.0");
  CHECK(gpus[1].pci_bus == "0000:0c:00.0");
  CHECK(gpus[0].card == "card0");
  CHECK(gpus[1].card == "card1");
  for (const auto& gpu : gpus) {
    CHECK(gpu.device_id == "0x744c");
    CHECK(gpu.name == "AMD Radeon RX 7900 XTX / 7900 XT");
    CHECK(gpu.gfx_target == "gfx1100");  // the second one through location_id only
    CHECK(pool(gpu, "vram")->total_bytes == 25753026560.0);
    REQUIRE(gpu.temperatures.size() == 3);
    CHECK(gpu.temperatures[0].sensor == "edge");
    CHECK(gpu.temperatures[1].sensor == "junction");
    CHECK(gpu.temperatures[2].sensor == "mem");
  }
  const GpuDevice& a = gpus[0];
  const GpuDevice& b = gpus[1];
  CHECK(temperature(a, "junction") == 78.0);
  CHECK(temperature(a, "mem") == 74.0);
  CHECK(temperature(b, "junction") == 41.0);
  CHECK(a.busy_ratio == doctest::Approx(0.99));
  CHECK(a.power_watts == doctest::Approx(341.0));
  CHECK(b.power_watts == doctest::Approx(28.0));  // RX 7900 XTX: power1_average, no _input
  CHECK_FALSE(a.gfx_power_watts);                 // gpu_metrics v1.3 has no GPU-only power
  CHECK(a.sclk_hertz == 2482e6);
  CHECK(a.mclk_hertz == 1249e6);
  CHECK(b.mclk_hertz == 96e6);
  CHECK(a.fan_rpm == 1650.0);
  CHECK(a.fan_speed_ratio == doctest::Approx(0.4));
  CHECK(b.fan_rpm == 0.0);  // zero-rpm idle is a reading, not an absence
  CHECK(b.fan_speed_ratio == 0.0);
  CHECK(pool(a, "vis_vram")->total_bytes == 25753026560.0);  // resizable BAR
  CHECK(pool(b, "vis_vram")->total_bytes == 268435456.0);
  CHECK(a.performance_level == "auto");
  CHECK(b.performance_level == "manual");
  CHECK(llmon::gpu::count_sysfs_gpus(fixture("dual_discrete")) == 2);
}

TEST_CASE("sysfs backend: power1_average is preferred to the noisier power1_input") {
  TreeCopy tree("strix_halo");
  const fs::path hwmon = fs::canonical(tree.root() / "class/drm/card1/device/hwmon/hwmon5");
  tree.write(hwmon / "power1_input", "61000000\n");
  CHECK(make_sysfs_backend(tree.root())->read_devices().at(0).power_watts == 48.123);
  fs::remove(hwmon / "power1_average");
  CHECK(make_sysfs_backend(tree.root())->read_devices().at(0).power_watts == 61.0);
}

TEST_CASE("sysfs backend: broken tree gives absent values, never a crash") {
  auto backend = make_sysfs_backend(fixture("broken"));
  std::vector<GpuDevice> gpus;
  REQUIRE_NOTHROW(gpus = backend->read_devices());
  // card1 dangles and card3 is NVIDIA: only card0 and card2 remain.
  REQUIRE(gpus.size() == 2);
  const GpuDevice& bad = gpus[0];
  CHECK(bad.card == "card0");
  CHECK(bad.pci_bus == "0000:03:00.0");
  CHECK(bad.name == "AMD Radeon RX 7900 XTX / 7900 XT");
  CHECK(bad.gfx_target.empty());  // KFD properties are garbage
  CHECK(bad.unique_id.empty());
  CHECK_FALSE(bad.busy_ratio);         // empty file
  CHECK_FALSE(bad.memory_busy_ratio);  // "12%"
  REQUIRE(bad.memory.size() == 1);     // vis_vram: dangling and "-1"; gtt: no files
  CHECK(bad.memory[0].pool == "vram");
  CHECK_FALSE(bad.memory[0].used_bytes);  // "abc"
  CHECK(bad.memory[0].total_bytes == 25753026560.0);
  CHECK_FALSE(bad.performance_level);  // empty
  // temp1_input is a directory and temp2_input garbage; the non-amdgpu hwmon0 is ignored.
  REQUIRE(bad.temperatures.size() == 1);
  CHECK(bad.temperatures[0].sensor == "temp3");
  CHECK(bad.temperatures[0].celsius == 51.0);
  CHECK(bad.power_watts == doctest::Approx(15.0));  // power1_average is a directory
  CHECK_FALSE(bad.sclk_hertz);                      // empty freq1_input, malformed pp_dpm_sclk
  CHECK_FALSE(bad.mclk_hertz);  // no freq2_input, nothing starred in pp_dpm_mclk
  CHECK_FALSE(bad.fan_rpm);
  CHECK_FALSE(bad.fan_speed_ratio);  // pwm1 300 is out of range

  const GpuDevice& bare = gpus[1];
  CHECK(bare.card == "card2");
  CHECK(bare.pci_bus == "0000:07:00.0");
  CHECK(bare.device_id.empty());
  CHECK(bare.name == "AMD GPU");
  CHECK(bare.memory.empty());
  CHECK(bare.temperatures.empty());
  CHECK_FALSE(bare.busy_ratio);
  CHECK_FALSE(bare.power_watts);
  CHECK_FALSE(bare.sclk_hertz);
  CHECK_FALSE(bare.performance_level);

  std::vector<llmon::gpu::FastSample> fast;
  REQUIRE_NOTHROW(fast = backend->read_fast());
  REQUIRE(fast.size() == 2);
  CHECK_FALSE(fast[0].busy_ratio);
  CHECK(fast[0].power_watts == doctest::Approx(15.0));
  CHECK_FALSE(fast[1].busy_ratio);
  CHECK_FALSE(fast[1].power_watts);
}

TEST_CASE("sysfs backend: missing root throws, counting does not") {
  const fs::path missing = fs::path(LLMON_FIXTURES_DIR) / "sysfs" / "no-such-root";
  auto backend = make_sysfs_backend(missing);
  CHECK_THROWS_AS(backend->read_devices(), std::runtime_error);
  CHECK_THROWS_AS(backend->read_fast(), std::runtime_error);
  try {
    (void)backend->read_devices();
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()).find((missing / "class" / "drm").string()) != std::string::npos);
  }
  CHECK(llmon::gpu::count_sysfs_gpus(missing) == 0);
  // A root without class/drm (here: the fixtures directory itself) is just as unusable.
  CHECK_THROWS_AS(make_sysfs_backend(LLMON_FIXTURES_DIR)->read_devices(), std::runtime_error);
}

TEST_CASE("sysfs backend: read_fast matches read_devices") {
  for (const char* tree : {"strix_halo", "dual_discrete"}) {
    CAPTURE(tree);
    auto backend = make_sysfs_backend(fixture(tree));
    const auto fast_first = backend->read_fast();  // before any read_devices
    const auto gpus = backend->read_devices();
    const auto fast = backend->read_fast();
    REQUIRE(fast.size() == gpus.size());
    REQUIRE(fast_first.size() == gpus.size());
    for (std::size_t i = 0; i < gpus.size(); ++i) {
      CHECK(fast[i].pci_bus == gpus[i].pci_bus);
      CHECK(fast[i].busy_ratio == gpus[i].busy_ratio);
      CHECK(fast[i].power_watts == gpus[i].power_watts);
      CHECK(fast_first[i].pci_bus == gpus[i].pci_bus);
      CHECK(fast_first[i].power_watts == gpus[i].power_watts);
    }
  }
}

TEST_CASE("sysfs backend: a card that vanishes between reads is dropped") {
  TreeCopy tree("dual_discrete");
  auto backend = make_sysfs_backend(tree.root());
  REQUIRE(backend->read_fast().size() == 2);  // discovers and caches both cards
  fs::remove_all(tree.root() / "devices/pci0000:00/0000:00:01.1/0000:01:00.0/0000:02:00.0" /
                 "0000:03:00.0");

  std::vector<llmon::gpu::FastSample> fast;
  REQUIRE_NOTHROW(fast = backend->read_fast());
  REQUIRE(fast.size() == 1);
  CHECK(fast[0].pci_bus == "0000:0c:00.0");
  CHECK(fast[0].power_watts == doctest::Approx(28.0));

  std::vector<GpuDevice> gpus;
  REQUIRE_NOTHROW(gpus = backend->read_devices());
  REQUIRE(gpus.size() == 1);
  CHECK(gpus[0].pci_bus == "0000:0c:00.0");
  CHECK(gpus[0].gfx_target == "gfx1100");
}

TEST_CASE("sysfs backend: read_fast follows a renumbered hwmon") {
  TreeCopy tree("strix_halo");
  auto backend = make_sysfs_backend(tree.root());
  REQUIRE(backend->read_fast().at(0).power_watts == doctest::Approx(48.123));
  // A driver reload keeps the PCI device but gives it a new hwmon number.
  const fs::path hwmon = tree.root() / "devices/pci0000:00/0000:00:08.1/0000:c5:00.0/hwmon";
  fs::rename(hwmon / "hwmon5", hwmon / "hwmon7");
  const auto fast = backend->read_fast();
  REQUIRE(fast.size() == 1);
  CHECK(fast[0].power_watts == doctest::Approx(48.123));
}
