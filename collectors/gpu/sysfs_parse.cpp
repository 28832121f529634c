#include "collectors/gpu/sysfs_parse.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <system_error>

namespace llmon::gpu::sysfs {

namespace {

std::string_view trim_view(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (const char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// Whole-string from_chars: a partial parse ("12abc") is garbage, not 12.
template <typename T>
std::optional<T> parse_whole(std::string_view s, int base = 10) {
  if (s.empty()) return std::nullopt;
  T value{};
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value, base);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return value;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::optional<double> unit_multiplier(std::string_view unit) {
  if (iequals(unit, "hz")) return 1.0;
  if (iequals(unit, "khz")) return 1e3;
  if (iequals(unit, "mhz")) return 1e6;
  if (iequals(unit, "ghz")) return 1e9;
  return std::nullopt;
}

struct DpmLine {
  double hertz = 0;
  bool current = false;
};

bool is_level_label(std::string_view s) {
  if (s.empty() || s.size() > 8) return false;
  for (const char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// One "<level>: <number><unit>[ *]" line. The level is a number, "S" (deep sleep) or another
// short tag such as the proposed "F" (fine-grained current clock): the kernel adds such tags
// from time to time, and a table is no less readable for one more of them.
std::optional<DpmLine> parse_dpm_line(std::string_view line) {
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  if (!is_level_label(trim_view(line.substr(0, colon)))) return std::nullopt;

  std::string_view rest = trim_view(line.substr(colon + 1));
  DpmLine out;
  if (!rest.empty() && rest.back() == '*') {
    out.current = true;
    rest = trim_view(rest.substr(0, rest.size() - 1));
  }
  double value = 0;
  const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), value);
  if (ec != std::errc{} || !std::isfinite(value) || value < 0) return std::nullopt;
  const auto multiplier = unit_multiplier(trim_view(rest.substr(end - rest.data())));
  if (!multiplier) return std::nullopt;
  out.hertz = value * *multiplier;
  return out;
}

std::optional<std::uint64_t> lookup(const KfdProperties& props, std::string_view key) {
  const auto it = props.find(key);
  if (it == props.end()) return std::nullopt;
  return it->second;
}

}  // namespace

std::optional<std::uint64_t> parse_uint(std::string_view text) {
  return parse_whole<std::uint64_t>(trim_view(text));
}

std::optional<std::int64_t> parse_int(std::string_view text) {
  return parse_whole<std::int64_t>(trim_view(text));
}

std::optional<std::uint32_t> parse_hex_id(std::string_view text) {
  std::string_view s = trim_view(text);
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s.remove_prefix(2);
  return parse_whole<std::uint32_t>(s, 16);
}

std::string format_device_id(std::uint32_t id) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (; id != 0; id >>= 4) hex.insert(hex.begin(), kDigits[id & 0xF]);
  while (hex.size() < 4) hex.insert(hex.begin(), '0');
  return "0x" + hex;
}

std::optional<double> parse_dpm_current(std::string_view text) {
  // Only the starred line matters: a line this parser does not understand elsewhere in the
  // table (a new level tag, a format change in an unstarred level) must not hide the current
  // clock. Stars are counted on every line, parsed or not, so an ambiguous table stays absent.
  std::optional<std::string_view> starred;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    const std::string_view line = trim_view(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (line.empty() || line.back() != '*') continue;
    if (starred) return std::nullopt;
    starred = line;
  }
  if (!starred) return std::nullopt;
  const auto parsed = parse_dpm_line(*starred);
  if (!parsed) return std::nullopt;
  return parsed->hertz;
}

KfdProperties parse_kfd_properties(std::string_view text) {
  KfdProperties props;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    const std::string_view line = trim_view(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    const auto space = line.find_first_of(" \t");
    if (space == std::string_view::npos) continue;
    const auto value = parse_uint(line.substr(space + 1));
    if (value) props.emplace(std::string(line.substr(0, space)), *value);
  }
  return props;
}

double millidegrees_to_celsius(std::int64_t millidegrees) {
  return static_cast<double>(millidegrees) / 1000.0;
}

double microwatts_to_watts(std::uint64_t microwatts) {
  return static_cast<double>(microwatts) / 1e6;
}

std::optional<double> percent_to_ratio(std::uint64_t percent) {
  if (percent > 100) return std::nullopt;
  return static_cast<double>(percent) / 100.0;
}

std::optional<double> pwm_to_ratio(std::uint64_t pwm) {
  if (pwm > 255) return std::nullopt;
  return static_cast<double>(pwm) / 255.0;
}

bool is_card_name(std::string_view name) {
  return name.starts_with("card") && all_digits(name.substr(4));
}

std::optional<std::uint32_t> parse_render_minor(std::string_view name) {
  constexpr std::string_view kPrefix = "renderD";
  if (!name.starts_with(kPrefix) || !all_digits(name.substr(kPrefix.size()))) return std::nullopt;
  return parse_whole<std::uint32_t>(name.substr(kPrefix.size()));
}

std::optional<PciAddress> parse_pci_address(std::string_view bus_id) {
  // DOMAIN:BB:DD.F, the domain being 4 hex digits (or more, behind Intel VMD).
  const auto c1 = bus_id.find(':');
  const auto c2 = bus_id.find(':', c1 == std::string_view::npos ? c1 : c1 + 1);
  const auto dot = bus_id.find('.', c2 == std::string_view::npos ? c2 : c2 + 1);
  if (c1 == std::string_view::npos || c2 == std::string_view::npos ||
      dot == std::string_view::npos) {
    return std::nullopt;
  }
  const auto domain = parse_whole<std::uint32_t>(bus_id.substr(0, c1), 16);
  const auto bus = parse_whole<std::uint32_t>(bus_id.substr(c1 + 1, c2 - c1 - 1), 16);
  const auto device = parse_whole<std::uint32_t>(bus_id.substr(c2 + 1, dot - c2 - 1), 16);
  const auto function = parse_whole<std::uint32_t>(bus_id.substr(dot + 1), 16);
  if (!domain || !bus || !device || !function || *bus > 0xFF || *device > 0x1F || *function > 7) {
    return std::nullopt;
  }
  return PciAddress{*domain, *bus, *device, *function};
}

std::uint64_t kfd_location_id(const PciAddress& address) {
  return (std::uint64_t{address.bus} << 8) | (std::uint64_t{address.device} << 3) |
         address.function;
}

const KfdProperties* match_kfd_node(const std::vector<KfdProperties>& nodes,
                                    std::optional<std::uint32_t> render_minor,
                                    const std::optional<PciAddress>& address) {
  auto is_gpu = [](const KfdProperties& node) {
    const auto gfx = lookup(node, "gfx_target_version");
    return gfx && *gfx != 0;
  };
  if (render_minor) {
    for (const auto& node : nodes) {
      if (is_gpu(node) && lookup(node, "drm_render_minor") == *render_minor) return &node;
    }
  }
  if (address) {
    for (const auto& node : nodes) {
      if (!is_gpu(node)) continue;
      if (lookup(node, "location_id") != kfd_location_id(*address)) continue;
      // Older kernels have no `domain` property; location_id alone is then the best there is.
      const auto domain = lookup(node, "domain");
      if (!domain || *domain == address->domain) return &node;
    }
  }
  return nullptr;
}

std::optional<std::uint64_t> match_kfd_gfx_version(const std::vector<KfdProperties>& nodes,
                                                   std::optional<std::uint32_t> render_minor,
                                                   const std::optional<PciAddress>& address) {
  const KfdProperties* node = match_kfd_node(nodes, render_minor, address);
  return node ? lookup(*node, "gfx_target_version") : std::nullopt;
}

std::string format_unique_id(std::uint64_t id) {
  if (id == 0) return {};
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex(16, '0');
  for (int i = 15; i >= 0; --i, id >>= 4) hex[static_cast<std::size_t>(i)] = kDigits[id & 0xF];
  return hex;
}

}  // namespace llmon::gpu::sysfs
