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

namespace fs = std::filesystem;
using llmon::gpu::GpuDevice;
using llmon::gpu::make_rocm_smi_backend;

namespace {

// A fresh directory per test case, removed afterwards; ctest runs cases as parallel processes.
class TempDir {
 public:
  TempDir() {
    static int counter = 0;
    path_ = fs::temp_directory_path() /
            ("llmon-rsmi-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }
  void write(const fs::path& relative, const std::string& text) const {
    fs::create_directories((path_ / relative).parent_path());
    std::ofstream(path_ / relative) << text;
  }

 private:
  fs::path path_;
};

// Points the fake at `script`; every rsmi_init (one per backend) re-reads it.
void use_script(const TempDir& dir, const std::string& script) {
  dir.write("script", script);
  setenv("FAKE_ROCM_SMI_SCRIPT", (dir.path() / "script").c_str(), 1);
}

// The fakes of both library generations (tests/support/fake_rocm_smi): what a real library
// exports is fixed at build time, so each generation is its own build.
constexpr const char* kRocm5 = LLMON_FAKE_ROCM_SMI;
constexpr const char* kRocm6 = LLMON_FAKE_ROCM_SMI_V6;

std::unique_ptr<llmon::gpu::GpuBackend> fake_backend(const TempDir& dir,
                                                     const char* library = kRocm5,
                                                     const fs::path& sysfs = {}) {
  auto backend = make_rocm_smi_backend(library, sysfs.empty() ? dir.path() / "sys" : sysfs);
  if (!backend) FAIL(backend.error().message);
  return std::move(backend).value();
}

// A test hook of the fake: how often rsmi_dev_gpu_clk_freq_get has been called.
int clock_calls(const char* library) {
  void* fake = dlopen(library, RTLD_NOW | RTLD_LOCAL);
  REQUIRE(fake != nullptr);
  auto calls = reinterpret_cast<int (*)()>(dlsym(fake, "fake_rocm_smi_clock_calls"));
  REQUIRE(reinterpret_cast<void*>(calls) != nullptr);
  const int n = calls();
  dlclose(fake);
  return n;
}

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

TEST_CASE("rocm_smi: the frequency layout follows the library's symbols, not its version") {
  // What real 6.x/7.x libraries answer from rsmi_version_get: ROCm 7.2, a git build of 6.0,
  // the 6.1 packages. Every one of them writes the 6.x rsmi_frequencies_t.
  for (const char* version : {"1 0 0", "2 8 0", "7 0 0"}) {
    CAPTURE(version);
    TempDir dir;
    use_script(dir, std::string("abi 6\nversion ") + version + R"(
devices 1
dev 0 pci_id 0xc500
dev 0 sclk 4 2 600000000 1200000000 2100000000 2900000000
dev 0 mclk 2 2 400000000 1000000000
)");
    const auto devices = fake_backend(dir, kRocm6)->read_devices();
    REQUIRE(devices.size() == 1);
    CHECK(devices[0].sclk_hertz == 2.1e9);
    CHECK_FALSE(devices[0].mclk_hertz);  // current == num_supported: not a level
  }

  TempDir dir;
  use_script(dir, R"(abi 6
devices 1
dev 0 pci_id 0xc500
dev 0 sclk 40 1 600000000 1200000000
dev 0 mclk 0 0
)");
  const auto devices = fake_backend(dir, kRocm6)->read_devices();
  REQUIRE(devices.size() == 1);
  CHECK_FALSE(devices[0].sclk_hertz);  // more levels than the struct holds
  CHECK_FALSE(devices[0].mclk_hertz);
}

TEST_CASE("rocm_smi: a 5.x library never gets to parse a clock table") {
  // Its parser assert()s on the deep-sleep "S:" line idle cards show, killing the daemon; with
  // no sysfs to read the clocks from, they are absent rather than asked for.
  TempDir dir;
  use_script(dir, R"(abi 5
devices 1
dev 0 pci_id 0xc500
dev 0 sclk 3 1 600000000 1200000000 2900000000
dev 0 mclk 1 0 1000000000
)");
  const int before = clock_calls(kRocm5);
  const auto devices = fake_backend(dir, kRocm5)->read_devices();
  REQUIRE(devices.size() == 1);
  CHECK_FALSE(devices[0].sclk_hertz);
  CHECK_FALSE(devices[0].mclk_hertz);
  CHECK(clock_calls(kRocm5) == before);
}

TEST_CASE("rocm_smi: clocks come from sysfs whenever the card is there, whatever the library") {
  const fs::path strix = LLMON_FIXTURES_DIR "/sysfs/strix_halo";
  for (const char* library : {kRocm5, kRocm6}) {
    CAPTURE(library);
    TempDir dir;
    // Deliberately unlike the tree's files: the library must not be the source.
    use_script(dir, R"(devices 1
dev 0 pci_id 0xc500
dev 0 sclk 2 1 600000000 2900000000
dev 0 mclk 1 0 400000000
)");
    const int before = clock_calls(library);
    const auto devices = fake_backend(dir, library, strix)->read_devices();
    REQUIRE(devices.size() == 1);
    CHECK(devices[0].card == "card1");
    CHECK(devices[0].sclk_hertz == 1487e6);  // hwmon freq1_input
    CHECK(devices[0].mclk_hertz == 1000e6);  // the starred pp_dpm_mclk level
    CHECK(clock_calls(library) == before);
  }
}

TEST_CASE("rocm_smi: a script for the other library generation is refused") {
  TempDir dir;
  use_script(dir, "abi 6\ndevices 1\ndev 0 pci_id 0xc500\n");
  CHECK_FALSE(make_rocm_smi_backend(kRocm5, dir.path()));
  use_script(dir, "abi 5\ndevices 1\ndev 0 pci_id 0xc500\n");
  CHECK_FALSE(make_rocm_smi_backend(kRocm6, dir.path()));
  CHECK(make_rocm_smi_backend(kRocm5, dir.path()));
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

TEST_CASE("rocm_smi: zero devices is a backend, not an error; a GPU without a bus id is left out") {
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
