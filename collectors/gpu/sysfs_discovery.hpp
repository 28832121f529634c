#pragma once
// Finding the AMD GPUs under a sysfs root and where each one's attribute files live.
// Stateless functions that only read the filesystem; safe from any thread.
#include <filesystem>
#include <string>
#include <vector>

namespace llmon::gpu::sysfs {

// Where one AMD card's files live, as resolved at discovery time. Plain value type.
struct CardPaths {
  std::string card;                  // "card1"
  std::filesystem::path device_dir;  // the resolved PCI device directory
  std::string pci_bus;               // "0000:c5:00.0": basename of device_dir
  std::filesystem::path hwmon_dir;   // its hwmonN named "amdgpu"; empty when there is none
  std::filesystem::path power_file;  // power1_average, else power1_input; empty when neither reads
  std::string gfx_target;            // "gfx1151"; empty when no KFD node matches
  std::string kfd_unique_id;         // the KFD node's unique_id, formatted; empty when none
  // gpu_metrics, when the fast sampler needs it: it holds the GPU-only power (APUs), or the
  // power or busy reading sysfs lacks. Empty otherwise (a discrete card's fast path stays cheap).
  std::filesystem::path fast_gpu_metrics;
};

// Every cardN under {root}/class/drm whose device vendor is AMD (0x1002), sorted by PCI
// address. A card that dangles or vanishes while being looked at is left out. Throws
// std::runtime_error (naming the path) only when {root}/class/drm itself cannot be listed.
std::vector<CardPaths> discover_cards(const std::filesystem::path& sysfs_root);

}  // namespace llmon::gpu::sysfs
