#include "collectors/gpu/gpu_device.hpp"

#include <array>
#include <cctype>
#include <charconv>
#include <utility>

namespace llmon::gpu {

namespace {

// Only ids whose marketing name is certain: a wrong name on a dashboard is worse than the
// generic "AMD GPU 0x...." fallback. Several SKUs share one id, hence the "A / B" names.
constexpr std::array<std::pair<std::uint32_t, std::string_view>, 18> kKnownDevices{{
    // APUs
    {0x1586, "AMD Radeon 8060S"},        // Strix Halo (Ryzen AI Max+ 395), gfx1151
    {0x150e, "AMD Radeon 890M / 880M"},  // Strix Point, gfx1150
    {0x15bf, "AMD Radeon 780M / 760M"},  // Phoenix, gfx1103
    {0x1681, "AMD Radeon 680M / 660M"},  // Rembrandt, gfx1035
    // RDNA4
    {0x7550, "AMD Radeon RX 9070 XT / 9070"},  // Navi 48, gfx1201
    // RDNA3
    {0x744c, "AMD Radeon RX 7900 XTX / 7900 XT"},  // Navi 31, gfx1100
    {0x7448, "AMD Radeon PRO W7900"},              // Navi 31, gfx1100
    {0x747e, "AMD Radeon RX 7800 XT / 7700 XT"},   // Navi 32, gfx1101
    {0x7480, "AMD Radeon RX 7600 / 7600 XT"},      // Navi 33, gfx1102
    // RDNA2
    {0x73bf, "AMD Radeon RX 6800 / 6800 XT / 6900 XT"},  // Navi 21, gfx1030
    {0x73af, "AMD Radeon RX 6900 XT"},                   // Navi 21 XTXH, gfx1030
    {0x73df, "AMD Radeon RX 6700 XT / 6750 XT"},         // Navi 22, gfx1031
    {0x73ff, "AMD Radeon RX 6600 / 6600 XT"},            // Navi 23, gfx1032
    // CDNA
    {0x738c, "AMD Instinct MI100"},           // gfx908
    {0x740c, "AMD Instinct MI250X / MI250"},  // gfx90a
    {0x740f, "AMD Instinct MI210"},           // gfx90a
    {0x74a0, "AMD Instinct MI300A"},          // gfx942
    {0x74a1, "AMD Instinct MI300X"},          // gfx942
}};

std::optional<std::uint32_t> parse_id(std::string_view id) {
  while (!id.empty() && std::isspace(static_cast<unsigned char>(id.front()))) id.remove_prefix(1);
  while (!id.empty() && std::isspace(static_cast<unsigned char>(id.back()))) id.remove_suffix(1);
  if (id.size() > 2 && id[0] == '0' && (id[1] == 'x' || id[1] == 'X')) id.remove_prefix(2);
  std::uint32_t value = 0;
  const auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), value, 16);
  if (id.empty() || ec != std::errc{} || end != id.data() + id.size()) return std::nullopt;
  return value;
}

char hex_digit(std::uint64_t v) { return "0123456789abcdef"[v & 0xF]; }

}  // namespace

std::string known_device_name(std::string_view device_id) {
  const auto id = parse_id(device_id);
  if (!id) return {};
  for (const auto& [known, name] : kKnownDevices) {
    if (known == *id) return std::string(name);
  }
  return {};
}

std::string gfx_target_name(std::uint64_t gfx_target_version) {
  if (gfx_target_version == 0) return {};
  const std::uint64_t major = gfx_target_version / 10000;
  const std::uint64_t minor = (gfx_target_version / 100) % 100;
  const std::uint64_t step = gfx_target_version % 100;
  // LLVM target names have one hex digit each for minor and stepping; anything larger is not a
  // real target, and printing it would invent a name nobody can look up.
  if (major == 0 || minor > 0xF || step > 0xF) return {};
  std::string name = "gfx" + std::to_string(major);
  name += hex_digit(minor);
  name += hex_digit(step);
  return name;
}

}  // namespace llmon::gpu
