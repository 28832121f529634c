#pragma once
// AMD GPU target names ("gfx1151") and HSA_OVERRIDE_GFX_VERSION values ("11.5.1"), and what
// Ollama versions ship and admit for each target. Pure functions; safe to call from any thread.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "collectors/tuning/ollama_version.hpp"

namespace llmon::tuning {

// An LLVM AMDGPU target: gfx<major, decimal><minor, one hex digit><step, one hex digit>.
struct GfxTarget {
  std::uint32_t major = 0;
  std::uint32_t minor = 0;   // 0..15
  std::uint32_t step = 0;    // 0..15
  std::string name() const;  // "gfx1151", "gfx90a"
  // The HSA_OVERRIDE_GFX_VERSION spelling: "11.5.1", "9.0.10".
  std::string hsa_version() const;
  bool operator==(const GfxTarget&) const = default;
};

// "gfx1151", "gfx90a", "gfx90a:xnack-" (a target-feature suffix is ignored); nullopt otherwise.
std::optional<GfxTarget> parse_gfx_target(std::string_view name);

// The target Ollama takes from HSA_OVERRIDE_GFX_VERSION, as discover/amd.go
// rocmGFXTargetOverride does (v0.30.0+): the value trimmed of spaces; "gfx..." as is when it
// parses; else "x.y.z", three decimal numbers each 0..15, becomes gfx{x}{hex y}{hex z}
// ("11.0.0" -> gfx1100, "11.5.1" -> gfx1151, "9.0.10" -> gfx90a). nullopt when Ollama ignores it
// (empty, "11.0", "16.0.0", "11.0.x"). The ROCm runtime parses the variable itself as well.
std::optional<GfxTarget> hsa_override_target(std::string_view value);
// hsa_override_target(value)->name(), for messages: "gfx1100".
std::optional<std::string> hsa_override_to_gfx(std::string_view value);

// The target of a KFD topology node's gfx_target_version (110501 -> gfx1151), decoded as
// gpu::gfx_target_name does; nullopt for 0 or a value that names no target.
std::optional<GfxTarget> gfx_target_from_kfd(std::uint64_t gfx_target_version);

// Whether Ollama's Linux ROCm build at `version` compiles GPU kernels for `target`
// (AMDGPU_TARGETS of the preset its Dockerfile builds: "ROCm 6" v0.12.4-v0.17.x, "ROCm 7"
// v0.18.0-v0.24.x, rocm_v7_2_linux from v0.30.0; gfx1010, gfx1012 and gfx1103 left it in
// v0.31.2). nullopt for versions before v0.12.4, dev builds and unknown versions. Ollama still
// drops a device whose rocBLAS TensileLibrary_lazy_<gfx>.dat is missing from the bundle.
std::optional<bool> ollama_bundles_rocm_target(const GfxTarget& target,
                                               const std::optional<OllamaVersion>& version);

// Whether Ollama at `version` admits an integrated GPU of `target` without
// OLLAMA_IGPU_ENABLE: every iGPU before v0.30.0 (no such filter), none in v0.30.0, only gfx1151
// from v0.30.1 (discover/runner.go defaultIntegratedROCmGFXTargets, PR #16429). nullopt for an
// unknown version, a dev build, or a pre-release of 0.30.0/0.30.1.
std::optional<bool> ollama_admits_igpu(const GfxTarget& target,
                                       const std::optional<OllamaVersion>& version);

}  // namespace llmon::tuning
