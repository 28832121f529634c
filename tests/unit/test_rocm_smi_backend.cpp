// The rocm_smi backend against the fake librocm_smi64 (tests/support/fake_rocm_smi), whose
// behaviour each test scripts through $FAKE_ROCM_SMI_SCRIPT.
#include <dlfcn.h>
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "collectors/gpu/rocm_smi_backend.hpp"
#include "rocm_smi_test_support.hpp"

namespace fs = std::filesystem;
using llmon::gpu::GpuDevice;
using llmon::gpu::make_rocm_smi_backend;
using namespace llmon::test;

namespace {

double temperature(const GpuDevice& d, const std::string& sensor) {
  for (const auto& t : d.temperatures) {
    if (t.sensor == sensor) return t.celsius;
  }
  FAIL("no temperature " << sensor);
  return 0;
}

// A ROCm 7.2 library: the 6.x generation, although rsmi_version_get says 1.0.0.
constexpr const char* kTwoGpus = R"(abi 6
version 1 0 0
devices 2
dev 0 pci_id 0xc500
dev 0 id 0x1586
dev 0 name AMD Radeon 8060S   # trailing comment
dev 0 unique_id 0x0123456789abcdef
dev 0 busy 37
dev 0 mem_busy 12
dev 0 mem_used vram 1073741824
dev 0 mem_total vram 4294967296
dev 0 mem_used vis_vram 536870912
dev 0 mem_total vis_vram 4294967296
dev 0 mem_used gtt 2147483648
dev 0 mem_total gtt 17179869184
dev 0 power 45500000
dev 0 temp edge 45000
dev 0 temp junction 51500
dev 0 temp memory 40000
dev 0 sclk 3 1 600000000 1200000000 2900000000
dev 0 mclk 2 1 400000000 1000000000
dev 0 fan_rpm 1500
dev 0 fan_speed 51
dev 0 fan_speed_max 255
dev 0 perf_level MANUAL
dev 1 pci_id 0x30a
dev 1 id 0xffff
dev 1 unique_id 0x42
dev 1 busy 100
dev 1 socket_power 52000000
dev 1 power 45000000
)";

}  // namespace

TEST_CASE("rocm_smi: two GPUs with every field, sorted by bus, in base units") {
  TempDir dir;
  use_script(dir, kTwoGpus);
  auto backend = fake_backend(dir, kRocm6);
  CHECK(backend->name() == "rocm_smi");
  const auto devices = backend->read_devices();
  REQUIRE(devices.size() == 2);

  const GpuDevice& b = devices[0];  // rocm_smi index 1, but the lower bus
  CHECK(b.pci_bus == "0000:03:01.2");
  CHECK(b.device_id == "0xffff");
  CHECK(b.name == "AMD GPU 0xffff");
  CHECK(b.unique_id == "0000000000000042");
  CHECK(b.busy_ratio == 1.0);
  REQUIRE(b.power_watts);
  CHECK(*b.power_watts == doctest::Approx(52.0));  // socket power wins over the average
  CHECK_FALSE(b.memory_busy_ratio);
  CHECK(b.memory.empty());
  CHECK(b.temperatures.empty());
  CHECK_FALSE(b.sclk_hertz);
  CHECK_FALSE(b.fan_rpm);
  CHECK_FALSE(b.performance_level);

  const GpuDevice& a = devices[1];
  CHECK(a.pci_bus == "0000:c5:00.0");
  CHECK(a.device_id == "0x1586");
  CHECK(a.name == "AMD Radeon 8060S");
  CHECK(a.unique_id == "0123456789abcdef");
  CHECK(a.card.empty());
  CHECK(a.gfx_target.empty());
  CHECK(*a.busy_ratio == doctest::Approx(0.37));
  CHECK(*a.memory_busy_ratio == doctest::Approx(0.12));
  REQUIRE(a.memory.size() == 3);
  CHECK(a.memory[0].pool == "vram");
  CHECK(*a.memory[0].used_bytes == 1073741824.0);
  CHECK(*a.memory[0].total_bytes == 4294967296.0);
  CHECK(a.memory[1].pool == "vis_vram");
  CHECK(a.memory[2].pool == "gtt");
  CHECK(*a.memory[2].total_bytes == 17179869184.0);
  CHECK(*a.power_watts == doctest::Approx(45.5));
  REQUIRE(a.temperatures.size() == 3);
  CHECK(temperature(a, "edge") == doctest::Approx(45.0));
  CHECK(temperature(a, "junction") == doctest::Approx(51.5));
  CHECK(temperature(a, "mem") == doctest::Approx(40.0));
  CHECK(*a.sclk_hertz == 1.2e9);
  CHECK(*a.mclk_hertz == 1.0e9);
  CHECK(*a.fan_rpm == 1500.0);
  CHECK(*a.fan_speed_ratio == doctest::Approx(0.2));
  CHECK(*a.performance_level == "manual");
}

TEST_CASE("rocm_smi: fields the library does not support are absent, never 0") {
  TempDir dir;
  use_script(dir, R"(devices 1
dev 0 pci_id 0x10000ff3f
dev 0 name 0x744c
dev 0 busy PERMISSION
dev 0 mem_busy 150
dev 0 mem_used vram NOT_SUPPORTED
dev 0 mem_total vram 4294967296
dev 0 socket_power NOT_SUPPORTED
dev 0 power NOT_SUPPORTED
dev 0 temp edge 45000
dev 0 temp junction NOT_SUPPORTED
dev 0 fan_rpm NOT_SUPPORTED
dev 0 fan_speed NOT_SUPPORTED
dev 0 fan_speed_max 255
dev 0 perf_level 0x100
)");
  const auto devices = fake_backend(dir)->read_devices();
  REQUIRE(devices.size() == 1);
  const GpuDevice& d = devices[0];
  CHECK(d.pci_bus == "0001:ff:07.7");
  CHECK(d.device_id.empty());
  CHECK(d.name == "AMD GPU");  // a bare hex id is no name, and the id itself is unknown
  CHECK(d.unique_id.empty());
  CHECK_FALSE(d.busy_ratio);
  CHECK_FALSE(d.memory_busy_ratio);
  REQUIRE(d.memory.size() == 1);
  CHECK_FALSE(d.memory[0].used_bytes);
  CHECK(*d.memory[0].total_bytes == 4294967296.0);
  CHECK_FALSE(d.power_watts);
  REQUIRE(d.temperatures.size() == 1);
  CHECK(d.temperatures[0].sensor == "edge");
  CHECK_FALSE(d.fan_rpm);
  CHECK_FALSE(d.fan_speed_ratio);
  CHECK_FALSE(d.sclk_hertz);
  CHECK(*d.performance_level == "unknown");
}

TEST_CASE("rocm_smi: performance levels are spelled as amdgpu's sysfs spells them") {
  TempDir dir;
  const std::pair<const char*, const char*> kLevels[] = {
      {"AUTO", "auto"},
      {"STABLE_STD", "profile_standard"},
      {"STABLE_MIN_SCLK", "profile_min_sclk"},
      {"DETERMINISM", "perf_determinism"},  // amdgpu_pm.c: "perf_determinism"
  };
  for (const auto& [rsmi, sysfs] : kLevels) {
    use_script(dir, std::string("devices 1\ndev 0 pci_id 0xc500\ndev 0 perf_level ") + rsmi + "\n");
    const auto devices = fake_backend(dir)->read_devices();
    REQUIRE(devices.size() == 1);
    CHECK(devices[0].performance_level == sysfs);
  }
}

TEST_CASE("rocm_smi: read_fast reads busy and power in bus order") {
  TempDir dir;
  use_script(dir, kTwoGpus);
  const auto samples = fake_backend(dir, kRocm6)->read_fast();
  REQUIRE(samples.size() == 2);
  CHECK(samples[0].pci_bus == "0000:03:01.2");
  CHECK(*samples[0].busy_ratio == 1.0);
  CHECK(*samples[0].power_watts == doctest::Approx(52.0));
  CHECK(samples[1].pci_bus == "0000:c5:00.0");
  CHECK(*samples[1].busy_ratio == doctest::Approx(0.37));
  CHECK(*samples[1].power_watts == doctest::Approx(45.5));
}

TEST_CASE("rocm_smi: card and gfx target come from sysfs, empty when it has nothing") {
  TempDir dir;
  use_script(dir, "devices 1\ndev 0 pci_id 0xc500\n");
  CHECK(fake_backend(dir)->read_devices().at(0).card.empty());

  dir.write("sys/devices/pci0000:00/0000:c5:00.0/vendor", "0x1002\n");
  for (const char* entry : {"card1", "card1-DP-1"}) {
    fs::create_directories(dir.path() / "sys/class/drm" / entry);
    fs::create_directory_symlink("../../../devices/pci0000:00/0000:c5:00.0",
                                 dir.path() / "sys/class/drm" / entry / "device");
  }
  const fs::path nodes = "sys/class/kfd/kfd/topology/nodes";
  dir.write(nodes / "0/properties", "cpu_cores_count 16\ngfx_target_version 0\nlocation_id 0\n");
  dir.write(nodes / "1/properties", "gfx_target_version 90010\nlocation_id 50432\ndomain 1\n");
  dir.write(nodes / "2/properties", "gfx_target_version 110501\nlocation_id 50432\ndomain 0\n");
  const auto devices = fake_backend(dir)->read_devices();
  REQUIRE(devices.size() == 1);
  CHECK(devices[0].card == "card1");
  CHECK(devices[0].gfx_target == "gfx1151");
}

TEST_CASE(
    "rocm_smi: zero devices is a backend, not an error, and a GPU without a bus id is left out") {
  TempDir dir;
  unsetenv("FAKE_ROCM_SMI_SCRIPT");
  auto backend = fake_backend(dir);
  CHECK(backend->read_devices().empty());
  CHECK(backend->read_fast().empty());

  use_script(dir, "devices 2\ndev 0 pci_id NOT_SUPPORTED\ndev 1 pci_id 0xc500\n");
  CHECK(fake_backend(dir)->read_devices().size() == 1);
}

TEST_CASE("rocm_smi: load and init failures are clear errors") {
  TempDir dir;
  const std::string missing = (dir.path() / "no-such-librocm_smi64.so").string();
  auto result = make_rocm_smi_backend(missing, "/sys");
  REQUIRE_FALSE(result);
  CHECK(result.error().message.find(missing) != std::string::npos);

  result = make_rocm_smi_backend("libm.so.6", "/sys");
  REQUIRE_FALSE(result);
  CHECK(result.error().message.find("required symbol rsmi_init is missing") != std::string::npos);

  use_script(dir, "init INIT_ERROR\n");
  result = make_rocm_smi_backend(LLMON_FAKE_ROCM_SMI, "/sys");
  REQUIRE_FALSE(result);
  const std::string& message = result.error().message;
  CHECK(message.find("rsmi_init failed: RSMI_STATUS_INIT_ERROR") != std::string::npos);
  CHECK(message.find("fake: initialization failed") != std::string::npos);
  CHECK(message.find("no usable AMD GPU") != std::string::npos);

  use_script(dir, "devices PERMISSION\n");
  result = make_rocm_smi_backend(LLMON_FAKE_ROCM_SMI, "/sys");
  REQUIRE_FALSE(result);
  CHECK(result.error().message.find("rsmi_num_monitor_devices failed: RSMI_STATUS_PERMISSION") !=
        std::string::npos);
}

TEST_CASE("rocm_smi: the backend shuts the library down exactly when init succeeded") {
  // Holding our own reference keeps the fake (and its counter) loaded between backends.
  void* fake = dlopen(LLMON_FAKE_ROCM_SMI, RTLD_NOW | RTLD_LOCAL);
  REQUIRE(fake != nullptr);
  auto live_inits = reinterpret_cast<int (*)()>(dlsym(fake, "fake_rocm_smi_live_inits"));
  REQUIRE(reinterpret_cast<void*>(live_inits) != nullptr);
  TempDir dir;
  use_script(dir, "devices 1\ndev 0 pci_id 0xc500\n");
  {
    auto backend = fake_backend(dir);
    CHECK(live_inits() == 1);
  }
  CHECK(live_inits() == 0);
  use_script(dir, "init INIT_ERROR\n");
  CHECK_FALSE(make_rocm_smi_backend(LLMON_FAKE_ROCM_SMI, "/sys"));
  CHECK(live_inits() == 0);
  dlclose(fake);
}

TEST_CASE("rocm_smi: the real librocm_smi64 fails cleanly or works, never crashes") {
  const char* real = "/usr/lib/librocm_smi64.so.1";
  if (!fs::exists(real)) {
    MESSAGE("skipped: " << real << " is not installed");
    return;
  }
  auto result = make_rocm_smi_backend(real, "/sys");
  if (result) {
    CHECK(result.value()->name() == "rocm_smi");
    CHECK_NOTHROW(result.value()->read_devices());
  } else {
    MESSAGE("real rocm_smi: " << result.error().message);
    CHECK(result.error().message.find("rsmi_init failed") != std::string::npos);
  }
}
