#include "collectors/gpu/sysfs_discovery.hpp"

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <tuple>

#include "collectors/gpu/gpu_device.hpp"
#include "collectors/gpu/sysfs_device.hpp"
#include "collectors/gpu/sysfs_parse.hpp"
#include "common/fs.hpp"

namespace llmon::gpu::sysfs {

namespace {

namespace fs = std::filesystem;

constexpr std::uint32_t kAmdVendorId = 0x1002;

// Entries of `dir`, sorted so that discovery is deterministic; empty when it cannot be listed
// (every directory but {root}/class/drm is optional).
std::vector<fs::path> list_dir(const fs::path& dir) {
  std::vector<fs::path> entries;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    entries.push_back(it->path());
  }
  std::sort(entries.begin(), entries.end());
  return entries;
}

fs::path find_amdgpu_hwmon(const fs::path& device_dir) {
  for (const auto& hwmon : list_dir(device_dir / "hwmon")) {
    if (read_trimmed(hwmon / "name") == "amdgpu") return hwmon;
  }
  return {};
}

fs::path find_power_file(const fs::path& hwmon_dir) {
  if (hwmon_dir.empty()) return {};
  // Recent kernels expose only power1_input on some GPUs (APUs in particular); the average is
  // preferred where it exists because the instantaneous value is noisier.
  for (const char* name : {"power1_average", "power1_input"}) {
    const auto text = read_trimmed(hwmon_dir / name);
    if (text && parse_uint(*text)) return hwmon_dir / name;
  }
  return {};
}

// The fast sampler reads gpu_metrics only for what nothing cheaper gives: the GPU-only power
// of an APU, or a power or busy reading the card's sysfs lacks.
fs::path find_fast_gpu_metrics(const fs::path& device_dir, const fs::path& power_file) {
  const fs::path file = device_dir / "gpu_metrics";
  const auto metrics = read_gpu_metrics(file);
  if (!metrics || !metrics->known_layout) return {};
  const bool has_busy = read_trimmed(device_dir / "gpu_busy_percent").has_value();
  if (metrics->gfx_watts || (power_file.empty() && metrics->socket_watts) ||
      (!has_busy && metrics->gfx_activity_ratio)) {
    return file;
  }
  return {};
}

std::optional<std::uint32_t> find_render_minor(const fs::path& device_dir) {
  for (const auto& entry : list_dir(device_dir / "drm")) {
    if (const auto minor = parse_render_minor(entry.filename().string())) return minor;
  }
  return std::nullopt;
}

std::vector<KfdProperties> read_kfd_nodes(const fs::path& sysfs_root) {
  std::vector<KfdProperties> nodes;
  for (const auto& node : list_dir(sysfs_root / "class" / "kfd" / "kfd" / "topology" / "nodes")) {
    const ReadResult r = read_file(node / "properties");
    if (r.ok()) nodes.push_back(parse_kfd_properties(r.content));
  }
  return nodes;
}

// Resolves class/drm/cardN/device, which in real sysfs is a chain of relative symlinks into
// /sys/devices. nullopt when the chain dangles (the device went away) or is not an AMD GPU.
std::optional<fs::path> resolve_amd_device(const fs::path& card_entry) {
  std::error_code ec;
  fs::path device_dir = fs::canonical(card_entry / "device", ec);
  if (ec) return std::nullopt;
  const auto vendor = read_trimmed(device_dir / "vendor");
  if (!vendor || parse_hex_id(*vendor) != kAmdVendorId) return std::nullopt;
  return device_dir;
}

}  // namespace

std::vector<CardPaths> discover_cards(const fs::path& sysfs_root) {
  const fs::path drm = sysfs_root / "class" / "drm";
  std::error_code ec;
  fs::directory_iterator it(drm, ec);
  if (ec) {
    throw std::runtime_error("sysfs GPU backend: cannot list " + drm.string() + ": " +
                             ec.message());
  }
  std::vector<fs::path> card_entries;
  for (const fs::directory_iterator end; !ec && it != end; it.increment(ec)) {
    if (is_card_name(it->path().filename().string())) card_entries.push_back(it->path());
  }

  std::vector<CardPaths> cards;
  std::optional<std::vector<KfdProperties>> kfd_nodes;  // read once, and only if needed
  for (const auto& entry : card_entries) {
    auto device_dir = resolve_amd_device(entry);
    if (!device_dir) continue;
    if (!kfd_nodes) kfd_nodes = read_kfd_nodes(sysfs_root);

    CardPaths card;
    card.card = entry.filename().string();
    card.pci_bus = device_dir->filename().string();
    card.hwmon_dir = find_amdgpu_hwmon(*device_dir);
    card.power_file = find_power_file(card.hwmon_dir);
    card.fast_gpu_metrics = find_fast_gpu_metrics(*device_dir, card.power_file);
    const KfdProperties* node =
        match_kfd_node(*kfd_nodes, find_render_minor(*device_dir), parse_pci_address(card.pci_bus));
    if (node) {
      if (const auto gfx = node->find("gfx_target_version"); gfx != node->end()) {
        card.gfx_target = gfx_target_name(gfx->second);
      }
      if (const auto id = node->find("unique_id"); id != node->end()) {
        card.kfd_unique_id = format_unique_id(id->second);
      }
    }
    card.device_dir = std::move(*device_dir);
    cards.push_back(std::move(card));
  }

  // By PCI address rather than by name: it is the order rocm_smi uses, and numeric order
  // survives domains of different widths.
  std::sort(cards.begin(), cards.end(), [](const CardPaths& a, const CardPaths& b) {
    return std::tuple(parse_pci_address(a.pci_bus), a.pci_bus) <
           std::tuple(parse_pci_address(b.pci_bus), b.pci_bus);
  });
  return cards;
}

}  // namespace llmon::gpu::sysfs
