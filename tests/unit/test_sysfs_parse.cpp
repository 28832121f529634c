// Pure sysfs/KFD parsers and the device naming helpers, on inline strings.
#include <doctest/doctest.h>

#include <limits>

#include "collectors/gpu/gpu_device.hpp"
#include "collectors/gpu/sysfs_parse.hpp"

namespace sysfs = llmon::gpu::sysfs;

TEST_CASE("sysfs parse_uint / parse_int accept sysfs values and reject the rest") {
  CHECK(sysfs::parse_uint("37\n") == 37u);
  CHECK(sysfs::parse_uint("  0 \n") == 0u);
  CHECK(sysfs::parse_uint("18446744073709551615") == std::numeric_limits<std::uint64_t>::max());
  CHECK_FALSE(sysfs::parse_uint("18446744073709551616"));  // overflow
  CHECK_FALSE(sysfs::parse_uint(""));
  CHECK_FALSE(sysfs::parse_uint("\n"));
  CHECK_FALSE(sysfs::parse_uint("abc"));
  CHECK_FALSE(sysfs::parse_uint("12abc"));
  CHECK_FALSE(sysfs::parse_uint("1 2"));
  CHECK_FALSE(sysfs::parse_uint("-1"));
  CHECK_FALSE(sysfs::parse_uint("+1"));
  CHECK_FALSE(sysfs::parse_uint("1.5"));

  CHECK(sysfs::parse_int("-5000\n") == -5000);
  CHECK(sysfs::parse_int("52000") == 52000);
  CHECK_FALSE(sysfs::parse_int("9223372036854775808"));
  CHECK_FALSE(sysfs::parse_int("garbage"));
  CHECK_FALSE(sysfs::parse_int(""));
}

TEST_CASE("sysfs parse_hex_id reads PCI ids in any case") {
  CHECK(sysfs::parse_hex_id("0x1002\n") == 0x1002u);
  CHECK(sysfs::parse_hex_id("0x744C") == 0x744cu);
  CHECK(sysfs::parse_hex_id("1586") == 0x1586u);
  CHECK_FALSE(sysfs::parse_hex_id("0x"));
  CHECK_FALSE(sysfs::parse_hex_id(""));
  CHECK_FALSE(sysfs::parse_hex_id("0xzz"));
  CHECK_FALSE(sysfs::parse_hex_id("0x123456789"));  // wider than 32 bits
  CHECK(sysfs::format_device_id(0x1586) == "0x1586");
  CHECK(sysfs::format_device_id(0x73bf) == "0x73bf");
  CHECK(sysfs::format_device_id(0x42) == "0x0042");
}

TEST_CASE("sysfs parse_dpm_current finds the starred level") {
  CHECK(sysfs::parse_dpm_current("0: 600Mhz\n1: 1200Mhz *\n2: 2900Mhz\n") == 1.2e9);
  // The deep-sleep level can be the current one.
  CHECK(sysfs::parse_dpm_current("S: 100Mhz *\n0: 600Mhz\n1: 2900Mhz\n") == 100e6);
  CHECK(sysfs::parse_dpm_current("S: 100Mhz\n0: 600Mhz\n1: 2900Mhz *\n") == 2.9e9);
  CHECK(sysfs::parse_dpm_current("0: 96MHz\n1: 1249MHz *") == 1.249e9);  // no final newline
  CHECK(sysfs::parse_dpm_current("0: 1.5Ghz *\n") == 1.5e9);
  CHECK(sysfs::parse_dpm_current("0: 800khz*\n") == 800e3);
  CHECK(sysfs::parse_dpm_current("0: 500Mhz  *  \n\n1: 900Mhz\n") == 500e6);

  CHECK_FALSE(sysfs::parse_dpm_current("0: 600Mhz\n1: 1200Mhz\n"));  // nothing starred
  CHECK_FALSE(sysfs::parse_dpm_current(""));
  CHECK_FALSE(sysfs::parse_dpm_current("0: fastMhz *\n"));
  CHECK_FALSE(sysfs::parse_dpm_current("0: 600Mhz\n1 1200Mhz *\n"));  // no colon
  CHECK_FALSE(sysfs::parse_dpm_current("0: 600\n1: 1200 *\n"));       // no unit
  CHECK_FALSE(sysfs::parse_dpm_current("0: 600Parsecs *\n"));
  CHECK_FALSE(sysfs::parse_dpm_current("0: -600Mhz *\n"));
  CHECK_FALSE(sysfs::parse_dpm_current("0: 600Mhz\nS: 100Mhz*\n1: 900Mhz *\n"));  // two stars
  CHECK_FALSE(sysfs::parse_dpm_current("0: 600Mhz\nX_Y: 100Mhz *\n"));            // not a level tag
  CHECK_FALSE(sysfs::parse_dpm_current("0: 500Mhz *\n1: 900Mhz *\n"));            // ambiguous
  CHECK_FALSE(sysfs::parse_dpm_current("0: 2.5GT/s, x16 *\n"));                   // pp_dpm_pcie
}

TEST_CASE("sysfs parse_dpm_current: lines it does not understand never hide the current clock") {
  // As the kernel prints them: unstarred levels keep a trailing space.
  CHECK(sysfs::parse_dpm_current("0: 500Mhz \n1: 1183Mhz *\n2: 2526Mhz \n") == 1183e6);
  CHECK(sysfs::parse_dpm_current("S: 24Mhz *\n1: 500Mhz \n2: 2526Mhz \n") == 24e6);
  // The proposed fine-grained "F:" current-clock line, and any other new tag.
  CHECK(sysfs::parse_dpm_current("0: 500Mhz \nF: 1183Mhz *\n1: 2526Mhz \n") == 1183e6);
  CHECK(sysfs::parse_dpm_current("0: 500Mhz *\nF: 1183Mhz \n1: 2526Mhz \n") == 500e6);
  CHECK(sysfs::parse_dpm_current("Q: 100Mhz \n0: 500Mhz *\n") == 500e6);
  // An unstarred line in a format this parser does not know.
  CHECK(sysfs::parse_dpm_current("0: 500Mhz *\n1: 2526 MHz (boost)\n") == 500e6);
  CHECK(sysfs::parse_dpm_current("OD_SCLK:\n0: 500Mhz *\n") == 500e6);
}

TEST_CASE("sysfs parse_kfd_properties maps keys to numbers") {
  const auto props = sysfs::parse_kfd_properties(
      "cpu_cores_count 0\nsimd_count 80\ngfx_target_version 110501\nlocation_id 50432\n"
      "domain 0\ndrm_render_minor 128\nunique_id 13837184231548813590\nbogus line here\n"
      "negative -1\nlonely\n\n");
  CHECK(props.size() == 7);
  CHECK(props.at("gfx_target_version") == 110501u);
  CHECK(props.at("drm_render_minor") == 128u);
  CHECK(props.at("location_id") == 0xc500u);
  CHECK(props.at("unique_id") == 13837184231548813590ull);
  CHECK(props.count("negative") == 0);
  CHECK(sysfs::parse_kfd_properties("").empty());
  CHECK(sysfs::parse_kfd_properties("not a properties file").empty());
}

TEST_CASE("sysfs hwmon unit conversions") {
  CHECK(sysfs::millidegrees_to_celsius(52000) == 52.0);
  CHECK(sysfs::millidegrees_to_celsius(-1500) == -1.5);
  CHECK(sysfs::microwatts_to_watts(48123000) == doctest::Approx(48.123));
  CHECK(sysfs::percent_to_ratio(37) == doctest::Approx(0.37));
  CHECK(sysfs::percent_to_ratio(100) == 1.0);
  CHECK_FALSE(sysfs::percent_to_ratio(101));
  CHECK(sysfs::pwm_to_ratio(255) == 1.0);
  CHECK(sysfs::pwm_to_ratio(0) == 0.0);
  CHECK_FALSE(sysfs::pwm_to_ratio(256));
}

TEST_CASE("sysfs drm entry names: cards, connectors and render nodes") {
  CHECK(sysfs::is_card_name("card0"));
  CHECK(sysfs::is_card_name("card12"));
  CHECK_FALSE(sysfs::is_card_name("card1-DP-1"));
  CHECK_FALSE(sysfs::is_card_name("card1-HDMI-A-1"));
  CHECK_FALSE(sysfs::is_card_name("renderD128"));
  CHECK_FALSE(sysfs::is_card_name("card"));
  CHECK_FALSE(sysfs::is_card_name("version"));
  CHECK(sysfs::parse_render_minor("renderD128") == 128u);
  CHECK_FALSE(sysfs::parse_render_minor("renderD"));
  CHECK_FALSE(sysfs::parse_render_minor("card1"));
}

TEST_CASE("sysfs PCI addresses and KFD location ids") {
  const auto a = sysfs::parse_pci_address("0000:c5:00.0");
  REQUIRE(a);
  CHECK(a->bus == 0xc5);
  CHECK(sysfs::kfd_location_id(*a) == 0xc500);
  const auto b = sysfs::parse_pci_address("0001:0c:1f.7");
  REQUIRE(b);
  CHECK(b->domain == 1);
  CHECK(sysfs::kfd_location_id(*b) == ((0x0c << 8) | (0x1f << 3) | 7));
  CHECK(sysfs::parse_pci_address("10000:e1:00.0"));  // VMD domain
  CHECK(*sysfs::parse_pci_address("0000:03:00.0") < *sysfs::parse_pci_address("0000:0c:00.0"));
  CHECK_FALSE(sysfs::parse_pci_address("simple-framebuffer.0"));
  CHECK_FALSE(sysfs::parse_pci_address("0000:c5:00"));
  CHECK_FALSE(sysfs::parse_pci_address("0000:c5:20.0"));  // device > 31
  CHECK_FALSE(sysfs::parse_pci_address("0000:c5:00.8"));  // function > 7
}

TEST_CASE("sysfs KFD node matching: render minor first, then location_id") {
  using sysfs::KfdProperties;
  const std::vector<KfdProperties> nodes = {
      {{"gfx_target_version", 0}, {"drm_render_minor", 0}, {"location_id", 0}, {"domain", 0}},
      {{"gfx_target_version", 110000},
       {"drm_render_minor", 128},
       {"location_id", 0x0300},
       {"domain", 0}},
      {{"gfx_target_version", 110001},
       {"drm_render_minor", 130},
       {"location_id", 0x0c00},
       {"domain", 0}},
      {{"gfx_target_version", 90010}, {"location_id", 0x0c00}, {"domain", 1}},
  };
  const auto at = [](const char* bus) { return sysfs::parse_pci_address(bus); };
  CHECK(sysfs::match_kfd_gfx_version(nodes, 128, at("0000:03:00.0")) == 110000u);
  // The render minor wins even when the address points elsewhere.
  CHECK(sysfs::match_kfd_gfx_version(nodes, 128, at("0000:0c:00.0")) == 110000u);
  // No node has minor 129: fall back to location_id, and the domain must agree.
  CHECK(sysfs::match_kfd_gfx_version(nodes, 129, at("0000:0c:00.0")) == 110001u);
  CHECK(sysfs::match_kfd_gfx_version(nodes, std::nullopt, at("0001:0c:00.0")) == 90010u);
  // CPU nodes (gfx_target_version 0) never match, even at location 0.
  CHECK_FALSE(sysfs::match_kfd_gfx_version(nodes, 0, at("0000:00:00.0")));
  CHECK_FALSE(sysfs::match_kfd_gfx_version(nodes, 200, at("0000:44:00.0")));
  CHECK_FALSE(sysfs::match_kfd_gfx_version(nodes, std::nullopt, std::nullopt));
  CHECK_FALSE(sysfs::match_kfd_gfx_version({}, 128, at("0000:03:00.0")));
}

TEST_CASE("gpu known_device_name and gfx_target_name") {
  using llmon::gpu::gfx_target_name;
  using llmon::gpu::known_device_name;
  CHECK(known_device_name("0x1586") == "AMD Radeon 8060S");
  CHECK(known_device_name("0x744C") == "AMD Radeon RX 7900 XTX / 7900 XT");
  CHECK(known_device_name("0x744c\n") == "AMD Radeon RX 7900 XTX / 7900 XT");
  CHECK(known_device_name("0x7448") == "AMD Radeon PRO W7900");
  CHECK(known_device_name("0x73bf") == "AMD Radeon RX 6800 / 6800 XT / 6900 XT");
  CHECK(known_device_name("0x747e") == "AMD Radeon RX 7800 XT / 7700 XT");
  CHECK(known_device_name("0xffff").empty());
  CHECK(known_device_name("").empty());
  CHECK(known_device_name("radeon").empty());

  CHECK(gfx_target_name(110501) == "gfx1151");
  CHECK(gfx_target_name(110000) == "gfx1100");
  CHECK(gfx_target_name(100300) == "gfx1030");
  CHECK(gfx_target_name(90010) == "gfx90a");
  CHECK(gfx_target_name(90400) == "gfx940");
  CHECK(gfx_target_name(90402) == "gfx942");
  CHECK(gfx_target_name(120001) == "gfx1201");
  CHECK(gfx_target_name(0).empty());
  CHECK(gfx_target_name(91700).empty());  // minor 17 is no LLVM target
}
