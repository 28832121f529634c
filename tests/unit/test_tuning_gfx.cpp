// gfx targets and HSA_OVERRIDE_GFX_VERSION as Ollama converts them (discover/amd.go
// rocmGFXTargetOverride), and which targets Ollama versions build and admit.
#include <doctest/doctest.h>

#include "collectors/tuning/gfx_target.hpp"

using namespace llmon::tuning;

namespace {

std::optional<OllamaVersion> ver(std::string_view s) { return parse_ollama_version(s); }
GfxTarget gfx(std::string_view name) {
  const auto t = parse_gfx_target(name);
  REQUIRE(t);
  return *t;
}

}  // namespace

TEST_CASE("gfx: target names parse, minor and step are hex digits") {
  CHECK(gfx("gfx1151") == GfxTarget{11, 5, 1});
  CHECK(gfx("gfx90a") == GfxTarget{9, 0, 10});
  CHECK(gfx("gfx90a:xnack-") == GfxTarget{9, 0, 10});
  CHECK(gfx("gfx1201").name() == "gfx1201");
  CHECK(gfx("gfx90a").hsa_version() == "9.0.10");
  CHECK(gfx("gfx1151").hsa_version() == "11.5.1");
  for (const char* bad :
       {"", "gfx", "gfx11", "gfx011", "gfx1g51", "gfxa00", "sm_90", "gfx115x", "gfx1234567"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_gfx_target(bad));
  }
}

TEST_CASE("gfx: HSA_OVERRIDE_GFX_VERSION as Ollama turns it into a target") {
  CHECK(hsa_override_to_gfx("11.0.0") == "gfx1100");
  CHECK(hsa_override_to_gfx("11.5.1") == "gfx1151");
  CHECK(hsa_override_to_gfx("9.0.10") == "gfx90a");
  CHECK(hsa_override_to_gfx("10.3.0") == "gfx1030");
  CHECK(hsa_override_to_gfx(" 11.0.2\n") == "gfx1102");  // strings.TrimSpace first
  CHECK(hsa_override_to_gfx("011.00.01") == "gfx1101");  // ParseUint takes leading zeros
  CHECK(hsa_override_to_gfx("gfx1151") == "gfx1151");    // a gfx name is taken as is
  CHECK(hsa_override_to_gfx("0.0.0") == "gfx000");       // Ollama would use that, too
  // Ignored by Ollama: no override at all.
  for (const char* ignored : {"", "11.0", "11.0.0.0", "16.0.0", "11.16.0", "11.0.x", "11..0",
                              "-1.0.0", "+11.0.0", "11.0.0.", "\"11.0.0\"", "256.0.0"}) {
    CAPTURE(ignored);
    CHECK_FALSE(hsa_override_to_gfx(ignored));
  }
}

TEST_CASE("gfx: the KFD gfx_target_version decodes through gpu::gfx_target_name") {
  CHECK(gfx_target_from_kfd(110501) == GfxTarget{11, 5, 1});
  CHECK(gfx_target_from_kfd(90010) == GfxTarget{9, 0, 10});
  CHECK(gfx_target_from_kfd(110000)->hsa_version() == "11.0.0");
  CHECK_FALSE(gfx_target_from_kfd(0));
  CHECK_FALSE(gfx_target_from_kfd(111601));  // minor 16 names no target
  // The classic mismatch: the override's target is not the native one.
  CHECK(hsa_override_target("11.0.0") != gfx_target_from_kfd(110501));
  CHECK(hsa_override_target("11.5.1") == gfx_target_from_kfd(110501));
}

TEST_CASE("gfx: Ollama's bundled ROCm targets by version") {
  const auto strix = gfx("gfx1151");
  const auto phoenix = gfx("gfx1103");
  CHECK(ollama_bundles_rocm_target(strix, ver("0.32.15")) == true);
  CHECK(ollama_bundles_rocm_target(strix, ver("0.12.4")) == true);
  CHECK(ollama_bundles_rocm_target(gfx("gfx90a:xnack+"), ver("0.30.1")) == true);
  CHECK(ollama_bundles_rocm_target(gfx("gfx1150"), ver("0.17.0")) == false);
  CHECK(ollama_bundles_rocm_target(gfx("gfx1150"), ver("0.18.0")) == true);
  CHECK(ollama_bundles_rocm_target(phoenix, ver("0.31.1")) == true);
  CHECK(ollama_bundles_rocm_target(phoenix, ver("0.31.2")) == false);
  CHECK(ollama_bundles_rocm_target(gfx("gfx1010"), ver("0.32.15")) == false);
  CHECK(ollama_bundles_rocm_target(gfx("gfx1036"), ver("0.32.15")) == false);
  CHECK_FALSE(ollama_bundles_rocm_target(strix, ver("0.12.3")));  // not modelled
  CHECK_FALSE(ollama_bundles_rocm_target(strix, ver("0.0.0")));   // dev build
  CHECK_FALSE(ollama_bundles_rocm_target(strix, std::nullopt));
  CHECK_FALSE(ollama_bundles_rocm_target(phoenix, ver("0.31.2-rc0")));  // at a boundary
  CHECK(ollama_bundles_rocm_target(phoenix, ver("0.33.0-rc2")) == false);
}

TEST_CASE("gfx: the iGPU allowlist (gfx1151 since v0.30.1)") {
  const auto strix = gfx("gfx1151");
  const auto krackan = gfx("gfx1150");
  CHECK(ollama_admits_igpu(strix, ver("0.30.1")) == true);
  CHECK(ollama_admits_igpu(strix, ver("0.32.15")) == true);
  CHECK(ollama_admits_igpu(krackan, ver("0.32.15")) == false);
  CHECK(ollama_admits_igpu(strix, ver("0.30.0")) == false);
  CHECK(ollama_admits_igpu(krackan, ver("0.24.0")) == true);
  // An 11.0.0 override makes a gfx1151 look like gfx1100, which the allowlist drops.
  CHECK(ollama_admits_igpu(*hsa_override_target("11.0.0"), ver("0.30.4")) == false);
  CHECK_FALSE(ollama_admits_igpu(strix, ver("0.12.3")));  // VRAM-size rule then
  CHECK_FALSE(ollama_admits_igpu(strix, ver("0.30.1-rc1")));
  CHECK_FALSE(ollama_admits_igpu(strix, std::nullopt));
}
