// parse_gpu_metrics against tables laid out by the compiler from the kernel's structs
// (tests/support/gpu_metrics), which checks the parser's hand-written offsets and units.
#include <doctest/doctest.h>

#include <fstream>
#include <iterator>
#include <string>

#include "builder.hpp"
#include "collectors/gpu/gpu_metrics.hpp"
#include "fixtures.hpp"

using llmon::gpu::GpuMetrics;
using llmon::gpu::parse_gpu_metrics;
namespace gm = llmon::test::gpu_metrics;

namespace {

gm::Values every_value() {
  gm::Values v;
  v.socket_watts = 48.123;
  v.gfx_watts = 31.5;
  v.gfx_activity_percent = 37;
  v.memory_activity_percent = 12;
  v.edge_celsius = 52.25;
  v.hotspot_celsius = 78;
  v.memory_celsius = 74;
  v.soc_celsius = 55.5;
  v.gfxclk_mhz = 1487;
  v.uclk_mhz = 1000;
  return v;
}

GpuMetrics parse(const std::vector<std::byte>& bytes) {
  auto parsed = parse_gpu_metrics(bytes);
  if (!parsed) FAIL(parsed.error().message);
  return *parsed;
}

struct Version {
  int format;
  int content;
};
constexpr Version kDiscrete[] = {{1, 0}, {1, 1}, {1, 2}, {1, 3}};
constexpr Version kMi300[] = {{1, 4}, {1, 5}, {1, 6}};
constexpr Version kApu[] = {{2, 0}, {2, 1}, {2, 2}, {2, 3}, {2, 4}, {3, 0}};

}  // namespace

TEST_CASE("gpu_metrics: discrete GPU tables (1.0-1.3) in base units") {
  for (const Version v : kDiscrete) {
    const int format = v.format;  // not a binding: clang 14 cannot CAPTURE one
    const int content = v.content;
    CAPTURE(format);
    CAPTURE(content);
    const GpuMetrics m = parse(gm::build(format, content, every_value()));
    CHECK(m.known_layout);
    CHECK_FALSE(m.truncated);
    CHECK(m.structure_size == gm::structure_size(format, content));
    CHECK(m.socket_watts == 48.0);  // whole watts in format 1
    CHECK_FALSE(m.gfx_watts);
    CHECK(m.gfx_activity_ratio == doctest::Approx(0.37));
    CHECK(m.memory_activity_ratio == doctest::Approx(0.12));
    CHECK(m.edge_celsius == 52.0);
    CHECK(m.junction_celsius == 78.0);
    CHECK(m.memory_celsius == 74.0);
    CHECK_FALSE(m.soc_celsius);
    CHECK(m.gfx_clock_hertz == 1487e6);
    CHECK(m.memory_clock_hertz == 1000e6);
  }
}

TEST_CASE("gpu_metrics: Instinct MI300 tables (1.4-1.6): hotspot, no edge") {
  for (const Version v : kMi300) {
    const int format = v.format;  // not a binding: clang 14 cannot CAPTURE one
    const int content = v.content;
    CAPTURE(content);
    const GpuMetrics m = parse(gm::build(format, content, every_value()));
    CHECK(m.known_layout);
    CHECK(m.socket_watts == 48.0);
    CHECK(m.gfx_activity_ratio == doctest::Approx(0.37));
    CHECK(m.memory_activity_ratio == doctest::Approx(0.12));
    CHECK_FALSE(m.edge_celsius);
    CHECK(m.junction_celsius == 78.0);
    CHECK(m.memory_celsius == 74.0);
    CHECK(m.gfx_clock_hertz == 1487e6);
    CHECK(m.memory_clock_hertz == 1000e6);
  }
}

TEST_CASE("gpu_metrics: APU tables (2.0-2.4, 3.0): GPU and package power apart") {
  for (const Version v : kApu) {
    const int format = v.format;  // not a binding: clang 14 cannot CAPTURE one
    const int content = v.content;
    CAPTURE(format);
    CAPTURE(content);
    const GpuMetrics m = parse(gm::build(format, content, every_value()));
    CHECK(m.known_layout);
    CHECK(m.socket_watts == doctest::Approx(48.123));  // milliwatts in formats 2 and 3
    CHECK(m.gfx_watts == doctest::Approx(31.5));
    CHECK(m.edge_celsius == doctest::Approx(52.25));  // centi-degrees
    CHECK(m.soc_celsius == doctest::Approx(55.5));
    CHECK_FALSE(m.junction_celsius);
    CHECK(m.gfx_clock_hertz == 1487e6);
    CHECK(m.memory_clock_hertz == 1000e6);
    // Percent on some APU firmwares, centi-percent on others: never guessed.
    CHECK_FALSE(m.gfx_activity_ratio);
    CHECK_FALSE(m.memory_activity_ratio);
  }
}

TEST_CASE("gpu_metrics: fields the firmware leaves unfilled (0xFFFF...) are absent") {
  for (const auto& versions : {std::span<const Version>(kDiscrete),
                               std::span<const Version>(kMi300), std::span<const Version>(kApu)}) {
    for (const auto [format, content] : versions) {
      const GpuMetrics m = parse(gm::build(format, content, {}));
      CHECK(m.known_layout);
      CHECK_FALSE(m.socket_watts);
      CHECK_FALSE(m.gfx_watts);
      CHECK_FALSE(m.gfx_activity_ratio);
      CHECK_FALSE(m.edge_celsius);
      CHECK_FALSE(m.junction_celsius);
      CHECK_FALSE(m.soc_celsius);
      CHECK_FALSE(m.gfx_clock_hertz);
      CHECK_FALSE(m.memory_clock_hertz);
    }
  }
  // 0 is a reading (the GPU is power-gated), not "not supported".
  gm::Values off;
  off.gfx_watts = 0;
  CHECK(parse(gm::build(3, 0, off)).gfx_watts == 0.0);
  // A busy percentage above 100 is not one.
  gm::Values odd;
  odd.gfx_activity_percent = 3700;
  CHECK_FALSE(parse(gm::build(1, 3, odd)).gfx_activity_ratio);
}

TEST_CASE("gpu_metrics: a truncated file gives the fields it holds whole, nothing past its end") {
  const auto full = gm::build(3, 0, every_value());
  const GpuMetrics cut = parse(std::vector<std::byte>(full.begin(), full.begin() + 120));
  CHECK(cut.truncated);
  CHECK(cut.known_layout);
  CHECK(cut.socket_watts == doctest::Approx(48.123));  // bytes 112-115
  CHECK_FALSE(cut.gfx_watts);                          // bytes 124-127
  CHECK_FALSE(cut.gfx_clock_hertz);

  // Every length of every version: a value is either absent or the full file's value.
  for (const auto& versions : {std::span<const Version>(kDiscrete),
                               std::span<const Version>(kMi300), std::span<const Version>(kApu)}) {
    for (const auto [format, content] : versions) {
      const auto bytes = gm::build(format, content, every_value());
      const GpuMetrics whole = parse(bytes);
      for (std::size_t n = 4; n < bytes.size(); ++n) {
        const GpuMetrics part = parse(std::vector<std::byte>(bytes.begin(), bytes.begin() + n));
        CHECK(part.truncated);
        for (auto field : {&GpuMetrics::socket_watts, &GpuMetrics::gfx_watts,
                           &GpuMetrics::edge_celsius, &GpuMetrics::gfx_clock_hertz,
                           &GpuMetrics::memory_clock_hertz, &GpuMetrics::junction_celsius}) {
          if (part.*field) CHECK(part.*field == whole.*field);
        }
      }
    }
  }
}

TEST_CASE("gpu_metrics: nothing is read past structure_size") {
  auto bytes = gm::build(1, 3, every_value());
  bytes[0] = std::byte{20};  // the header claims a 20-byte table
  bytes[1] = std::byte{0};
  const GpuMetrics m = parse(bytes);
  CHECK_FALSE(m.truncated);
  CHECK_FALSE(m.socket_watts);     // bytes 22-23: outside
  CHECK(m.gfx_activity_ratio);     // bytes 16-17: inside
  CHECK_FALSE(m.gfx_clock_hertz);  // bytes 54-55: outside
}

TEST_CASE("gpu_metrics: a version this llmon does not know yields only its header") {
  auto bytes = gm::build(3, 0, every_value());
  bytes[3] = std::byte{1};  // 3.1
  GpuMetrics m = parse(bytes);
  CHECK_FALSE(m.known_layout);
  CHECK(m.format_revision == 3);
  CHECK(m.content_revision == 1);
  CHECK_FALSE(m.socket_watts);
  CHECK_FALSE(m.gfx_watts);
  bytes[2] = std::byte{9};  // a format that does not exist yet
  m = parse(bytes);
  CHECK_FALSE(m.known_layout);
  CHECK_FALSE(m.edge_celsius);
}

TEST_CASE("gpu_metrics: a file too short for its header, or a header no kernel writes") {
  CHECK_FALSE(parse_gpu_metrics({}));
  const std::byte three[] = {std::byte{4}, std::byte{0}, std::byte{1}};
  CHECK_FALSE(parse_gpu_metrics(three));
  const std::byte tiny[] = {std::byte{2}, std::byte{0}, std::byte{1}, std::byte{3}};
  const auto too_small = parse_gpu_metrics(tiny);
  REQUIRE_FALSE(too_small);
  CHECK(too_small.error().message.find("structure_size 2") != std::string::npos);
  const std::byte zero[] = {std::byte{4}, std::byte{0}, std::byte{0}, std::byte{0}};
  CHECK_FALSE(parse_gpu_metrics(zero));
}

TEST_CASE("gpu_metrics fixtures are what the builder makes (gpu_metrics_gen rewrites them)") {
  for (const gm::Fixture& f : gm::fixtures()) {
    CAPTURE(f.path);
    std::ifstream in(std::string(LLMON_SOURCE_DIR) + "/" + f.path, std::ios::binary);
    REQUIRE(in);
    const std::string committed((std::istreambuf_iterator<char>(in)), {});
    const auto expected = gm::fixture_bytes(f);
    CHECK(committed ==
          std::string(reinterpret_cast<const char*>(expected.data()), expected.size()));
  }
}
