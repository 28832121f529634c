#include <doctest/doctest.h>

#include <filesystem>

#include "collectors/gpu/gpu_collector.hpp"
#include "exporters/snapshot_store.hpp"
#include "metrics_test_support.hpp"

using namespace llmon;
using llmon::test::has;
using llmon::test::render;
using namespace std::chrono_literals;

namespace {

const std::filesystem::path kSysfs = LLMON_FIXTURES_DIR "/sysfs";

GpuConfig config(const std::string& backend, const std::filesystem::path& root) {
  GpuConfig c;
  c.backend = backend;
  c.sysfs_root = root;
  c.rocm_smi_library = "/nonexistent/librocm_smi64.so.1";
  c.sample_interval = 100ms;
  return c;
}

}  // namespace

TEST_CASE("gpu collector: auto without an AMD card reports 0 devices and succeeds") {
  const auto empty = std::filesystem::temp_directory_path() / "llmon-empty-sysfs";
  std::filesystem::create_directories(empty / "class/drm");
  gpu::GpuMonitor monitor(config("auto", empty));
  const std::string text = render(monitor.collect_full());
  CHECK(text.find("llmon_gpu_devices{backend=\"none\"} 0\n") != std::string::npos);
  CHECK(monitor.collect_sample().empty());
  // Even a sysfs root that does not exist is "no GPU" for auto, not an error.
  gpu::GpuMonitor missing(config("auto", "/nonexistent/sys"));
  CHECK(has(render(missing.collect_full()), "llmon_gpu_devices{backend=\"none\"} 0"));
}

TEST_CASE("gpu collector: auto falls back to sysfs when rocm_smi cannot load") {
  gpu::GpuMonitor monitor(config("auto", kSysfs / "strix_halo"));
  const std::string text = render(monitor.collect_full());
  CHECK(has(text, "llmon_gpu_devices{backend=\"sysfs\"} 1"));
  CHECK(has(text, "llmon_gpu_memory_total_bytes{gpu=\"0\",pool=\"gtt\"} 120259084288"));
}

TEST_CASE("gpu collector: an explicit backend that cannot start is an error") {
  gpu::GpuMonitor rocm(config("rocm_smi", kSysfs / "strix_halo"));
  CHECK_THROWS_WITH_AS(rocm.collect_full(), doctest::Contains("/nonexistent/librocm_smi64.so.1"),
                       std::runtime_error);
  gpu::GpuMonitor sysfs(config("sysfs", "/nonexistent/sys"));
  CHECK_THROWS_AS(sysfs.collect_full(), std::runtime_error);
}

TEST_CASE("gpu collector: explicit sysfs with no AMD card is 0 devices, not an error") {
  std::filesystem::create_directories(std::filesystem::temp_directory_path() /
                                      "llmon-s2/class/drm");
  gpu::GpuMonitor empty(config("sysfs", std::filesystem::temp_directory_path() / "llmon-s2"));
  CHECK(has(render(empty.collect_full()), "llmon_gpu_devices{backend=\"sysfs\"} 0"));
}

TEST_CASE("gpu collector: backend none exports only the device count") {
  gpu::GpuMonitor monitor(config("none", kSysfs / "strix_halo"));
  CHECK(render(monitor.collect_full()) ==
        "# HELP llmon_gpu_devices Number of AMD GPUs found by the backend in use.\n"
        "# TYPE llmon_gpu_devices gauge\nllmon_gpu_devices{backend=\"none\"} 0\n");
}

TEST_CASE("gpu collector: fast samples integrate into busy seconds and joules") {
  gpu::GpuMonitor monitor(config("sysfs", kSysfs / "strix_halo"));
  monitor.collect_full();
  const auto first = render(monitor.collect_sample());
  // The first sample starts the counters at 0: no interval has been observed yet.
  CHECK(has(first, "llmon_gpu_busy_seconds_total{gpu=\"0\"} 0\n"));
  CHECK(has(first, "llmon_gpu_energy_joules_total{domain=\"package\",gpu=\"0\"} 0\n"));
  CHECK(has(first, "llmon_gpu_energy_joules_total{domain=\"gfx\",gpu=\"0\"} 0\n"));
  // The fixture's 37 % busy, 48.123 W package and 31.5 W GPU (gpu_metrics), 200 ms later.
  const auto t0 = monitor.mark().at("0000:c5:00.0").time;
  monitor.record_samples(t0 + 200ms, {{"0000:c5:00.0", 0.37, 48.123, 31.5}});
  const gpu::CounterPoint totals = monitor.mark().at("0000:c5:00.0");
  CHECK(*totals.busy_seconds == doctest::Approx(0.37 * 0.2));
  CHECK(*totals.package_joules == doctest::Approx(48.123 * 0.2));
  CHECK(*totals.gfx_joules == doctest::Approx(31.5 * 0.2));
}

TEST_CASE("gpu collector: counters never stretch a sample over a long gap") {
  gpu::GpuMonitor monitor(config("none", kSysfs / "strix_halo"));
  const auto t0 = std::chrono::steady_clock::now();
  monitor.record_samples(t0, {{"bus", 0.37, 48.0, std::nullopt}});
  monitor.record_samples(t0 + 700ms, {{"bus", 0.37, 48.0, std::nullopt}});  // 7 intervals
  const gpu::CounterPoint totals = monitor.mark().at("bus");
  CHECK(*totals.busy_seconds == doctest::Approx(0.37 * 0.5));  // capped at five
  CHECK_FALSE(totals.gfx_joules);
}

TEST_CASE("gpu families: absent values produce no series, present ones base units") {
  gpu::GpuDevice d;
  d.card = "card1";
  d.pci_bus = "0000:c5:00.0";
  d.busy_ratio = 0.5;
  d.memory.push_back({"gtt", 1024.0, std::nullopt});
  const auto text = render(gpu::gpu_families({d}, "sysfs"));
  CHECK(has(text, "llmon_gpu_busy_ratio{gpu=\"0\"} 0.5"));
  CHECK(has(text, "llmon_gpu_memory_used_bytes{gpu=\"0\",pool=\"gtt\"} 1024"));
  CHECK_FALSE(has(text, "llmon_gpu_memory_total_bytes"));
  CHECK_FALSE(has(text, "llmon_gpu_power_watts"));
  d.power_watts = 48.0;
  d.gfx_power_watts = 31.5;
  const auto powered = render(gpu::gpu_families({d}, "sysfs"));
  CHECK(has(powered, "llmon_gpu_power_watts{domain=\"package\",gpu=\"0\"} 48\n"));
  CHECK(has(powered, "llmon_gpu_power_watts{domain=\"gfx\",gpu=\"0\"} 31.5\n"));
  CHECK_FALSE(has(text, "llmon_gpu_clock_hertz"));
  CHECK_FALSE(has(text, "llmon_gpu_performance_level_info"));
}
