#pragma once
// Pure parsers for amdgpu sysfs attributes and KFD topology text: no I/O, stateless, safe from
// any thread. Every parser returns nullopt (or an empty result) rather than guessing, so that
// an unreadable value stays absent instead of becoming 0.
#include <compare>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace llmon::gpu::sysfs {

// A decimal sysfs value such as "37\n". Surrounding whitespace is ignored; empty text, garbage,
// a sign (for parse_uint) or a value that does not fit is nullopt.
std::optional<std::uint64_t> parse_uint(std::string_view text);
std::optional<std::int64_t> parse_int(std::string_view text);

// A PCI id such as "0x1002\n" (the 0x prefix is optional, hex digits any case).
std::optional<std::uint32_t> parse_hex_id(std::string_view text);

// Lower-case, zero-padded form used in labels: 0x1586 -> "0x1586".
std::string format_device_id(std::uint32_t id);

// The current clock, in hertz, of a pp_dpm_sclk / pp_dpm_mclk table such as
// "0: 600Mhz \n1: 1200Mhz *\n2: 2900Mhz \n": the one starred line, whatever its level tag ("1",
// the deep-sleep "S", a future "F"). nullopt when no line or more than one is starred, or the
// starred line is malformed; other lines may be anything.
std::optional<double> parse_dpm_current(std::string_view text);

// "key value" lines of a KFD topology node's `properties` file; malformed lines are skipped.
using KfdProperties = std::map<std::string, std::uint64_t, std::less<>>;
KfdProperties parse_kfd_properties(std::string_view text);

// hwmon unit conversions.
double millidegrees_to_celsius(std::int64_t millidegrees);
double microwatts_to_watts(std::uint64_t microwatts);
// gpu_busy_percent / mem_busy_percent -> 0..1; nullopt above 100 (the driver never reports it).
std::optional<double> percent_to_ratio(std::uint64_t percent);
// hwmon pwm1 (0..255) -> 0..1; nullopt above 255.
std::optional<double> pwm_to_ratio(std::uint64_t pwm);

// "card1" is a card; "card1-DP-1" (a connector), "renderD128" and "card" are not.
bool is_card_name(std::string_view name);
// "renderD128" -> 128; anything else nullopt.
std::optional<std::uint32_t> parse_render_minor(std::string_view name);

struct PciAddress {
  std::uint32_t domain = 0;
  std::uint32_t bus = 0;
  std::uint32_t device = 0;
  std::uint32_t function = 0;
  auto operator<=>(const PciAddress&) const = default;
};

// "0000:c5:00.0" -> {0, 0xc5, 0, 0}; nullopt when it is not a PCI address.
std::optional<PciAddress> parse_pci_address(std::string_view bus_id);
// KFD's location_id for a PCI function: bus << 8 | device << 3 | function.
std::uint64_t kfd_location_id(const PciAddress& address);

// The KFD node that belongs to a card: first the node whose drm_render_minor is the card's
// render minor, else the one whose location_id and domain match its PCI address. CPU nodes
// (gfx_target_version 0) never match. nullptr when none does; else a pointer into `nodes`.
const KfdProperties* match_kfd_node(const std::vector<KfdProperties>& nodes,
                                    std::optional<std::uint32_t> render_minor,
                                    const std::optional<PciAddress>& address);
// That node's gfx_target_version.
std::optional<std::uint64_t> match_kfd_gfx_version(const std::vector<KfdProperties>& nodes,
                                                   std::optional<std::uint32_t> render_minor,
                                                   const std::optional<PciAddress>& address);

// A GPU serial as amdgpu's sysfs unique_id file prints it: 16 lower-case hex digits, no 0x.
// Empty for 0, which KFD reports for a GPU without one.
std::string format_unique_id(std::uint64_t id);

}  // namespace llmon::gpu::sysfs
