#include "collectors/tuning/gfx_target.hpp"

#include <algorithm>
#include <array>
#include <charconv>

#include "collectors/gpu/gpu_device.hpp"
#include "collectors/tuning/go_env.hpp"

namespace llmon::tuning {

namespace {

char hex_digit(std::uint32_t d) { return "0123456789abcdef"[d & 0xF]; }

std::optional<std::uint32_t> hex_value(char c) {
  if (c >= '0' && c <= '9') return std::uint32_t(c - '0');
  if (c >= 'a' && c <= 'f') return std::uint32_t(c - 'a' + 10);
  if (c >= 'A' && c <= 'F') return std::uint32_t(c - 'A' + 10);
  return std::nullopt;
}

// Go's strconv.ParseUint(part, 10, 8): decimal digits only, at most 255.
std::optional<std::uint32_t> parse_u8(std::string_view s) {
  if (s.empty() || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  std::uint32_t v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || v > 255) return std::nullopt;
  return v;
}

struct TargetList {
  std::string_view first;  // first release whose Linux ROCm build uses this list
  std::string_view targets;
};

// AMDGPU_TARGETS of the preset Ollama's Dockerfile builds for Linux ROCm, by release:
// CMakePresets.json "ROCm 6" (v0.12.4; Dockerfile stage rocm-6), "ROCm 7" (v0.18.0, stage
// rocm-7, ROCMVERSION=7.2), llama/server/CMakePresets.json "rocm_v7_2_linux" (v0.30.0, and
// v0.31.2 without gfx1010/gfx1012/gfx1103; unchanged through v0.32.15 and v0.33.0-rc2).
constexpr std::array kTargetLists{
    TargetList{"0.12.4",
               "gfx940;gfx941;gfx942;gfx1010;gfx1012;gfx1030;gfx1100;gfx1101;gfx1102;gfx1151;"
               "gfx1200;gfx1201;gfx908:xnack-;gfx90a:xnack+;gfx90a:xnack-"},
    TargetList{"0.18.0",
               "gfx942;gfx950;gfx1010;gfx1012;gfx1030;gfx1100;gfx1101;gfx1102;gfx1103;gfx1150;"
               "gfx1151;gfx1200;gfx1201;gfx908:xnack-;gfx90a:xnack+;gfx90a:xnack-"},
    TargetList{"0.30.0",
               "gfx908:xnack-;gfx90a:xnack+;gfx90a:xnack-;gfx942;gfx950;gfx1010;gfx1012;gfx1030;"
               "gfx1100;gfx1101;gfx1102;gfx1103;gfx1150;gfx1151;gfx1200;gfx1201"},
    TargetList{"0.31.2",
               "gfx908:xnack-;gfx90a:xnack+;gfx90a:xnack-;gfx942;gfx950;gfx1030;gfx1100;gfx1101;"
               "gfx1102;gfx1150;gfx1151;gfx1200;gfx1201"},
};

OllamaVersion v(std::string_view s) { return parse_ollama_version(s).value_or(OllamaVersion{}); }

// The release a fact is checked at; nullopt for no version, a dev build, or a pre-release of
// one of `boundaries`.
template <typename Boundaries>
std::optional<OllamaVersion> effective(const std::optional<OllamaVersion>& version,
                                       const Boundaries& boundaries) {
  if (!version || version->dev_build()) return std::nullopt;
  const OllamaVersion at = release_of(version->major, version->minor, version->patch);
  if (!version->release()) {
    for (const std::string_view b : boundaries) {
      if (v(b) == at) return std::nullopt;
    }
  }
  return at;
}

}  // namespace

std::string GfxTarget::name() const {
  std::string s = "gfx" + std::to_string(major);
  s += hex_digit(minor);
  s += hex_digit(step);
  return s;
}

std::string GfxTarget::hsa_version() const {
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(step);
}

std::optional<GfxTarget> parse_gfx_target(std::string_view name) {
  if (name.substr(0, 3) != "gfx") return std::nullopt;
  name.remove_prefix(3);
  name = name.substr(0, name.find(':'));
  if (name.size() < 3 || name.size() > 6) return std::nullopt;
  const std::string_view major = name.substr(0, name.size() - 2);
  if (!std::all_of(major.begin(), major.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      major.front() == '0') {
    return std::nullopt;
  }
  const auto minor = hex_value(name[name.size() - 2]), step = hex_value(name.back());
  if (!minor || !step) return std::nullopt;
  std::uint32_t m = 0;
  std::from_chars(major.data(), major.data() + major.size(), m);
  return GfxTarget{m, *minor, *step};
}

std::optional<GfxTarget> hsa_override_target(std::string_view value) {
  value = go_trim_space(value);
  if (value.empty()) return std::nullopt;
  if (value.substr(0, 3) == "gfx") return parse_gfx_target(value);
  std::array<std::uint32_t, 3> d{};
  for (std::size_t i = 0; i < 3; ++i) {
    const auto dot = value.find('.');
    if ((i < 2) == (dot == std::string_view::npos)) return std::nullopt;  // exactly two dots
    const auto part = parse_u8(value.substr(0, dot));
    if (!part || *part > 0xF) return std::nullopt;
    d[i] = *part;
    value = i < 2 ? value.substr(dot + 1) : std::string_view{};
  }
  return GfxTarget{d[0], d[1], d[2]};
}

std::optional<std::string> hsa_override_to_gfx(std::string_view value) {
  const auto t = hsa_override_target(value);
  if (!t) return std::nullopt;
  return t->name();
}

std::optional<GfxTarget> gfx_target_from_kfd(std::uint64_t gfx_target_version) {
  const std::string name = gpu::gfx_target_name(gfx_target_version);
  if (name.empty()) return std::nullopt;
  return parse_gfx_target(name);
}

std::optional<bool> ollama_bundles_rocm_target(const GfxTarget& target,
                                               const std::optional<OllamaVersion>& version) {
  constexpr std::array<std::string_view, 4> kBoundaries{"0.12.4", "0.18.0", "0.30.0", "0.31.2"};
  const auto at = effective(version, kBoundaries);
  if (!at || *at < v(kTargetLists[0].first)) return std::nullopt;
  std::string_view list;
  for (const auto& l : kTargetLists) {
    if (v(l.first) <= *at) list = l.targets;
  }
  const std::string wanted = target.name();
  std::size_t pos = 0;
  while (pos <= list.size()) {
    const auto semi = list.find(';', pos);
    const std::string_view entry =
        list.substr(pos, semi == std::string_view::npos ? semi : semi - pos);
    if (entry.substr(0, entry.find(':')) == wanted) return true;
    if (semi == std::string_view::npos) break;
    pos = semi + 1;
  }
  return false;
}

std::optional<bool> ollama_admits_igpu(const GfxTarget& target,
                                       const std::optional<OllamaVersion>& version) {
  constexpr std::array<std::string_view, 3> kBoundaries{"0.12.4", "0.30.0", "0.30.1"};
  const auto at = effective(version, kBoundaries);
  // Before v0.12.4 discover/amd_linux.go skipped an iGPU by its VRAM size (IGPUMemLimit, 1 GiB),
  // not by its target.
  if (!at || *at < v("0.12.4")) return std::nullopt;
  if (*at < v("0.30.0")) return true;
  if (*at < v("0.30.1")) return false;
  return target == GfxTarget{11, 5, 1};
}

}  // namespace llmon::tuning
