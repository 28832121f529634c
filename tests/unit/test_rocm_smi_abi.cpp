// Which generation of librocm_smi64 is loaded, and the one call a 5.x library must never get:
// the fakes of both generations (tests/support/fake_rocm_smi) against the same scripts.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "collectors/gpu/rocm_smi_backend.hpp"
#include "rocm_smi_test_support.hpp"

namespace fs = std::filesystem;
using llmon::gpu::make_rocm_smi_backend;
using namespace llmon::test;

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
