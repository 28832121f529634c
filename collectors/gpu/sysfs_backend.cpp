#include "collectors/gpu/sysfs_backend.hpp"

#include <algorithm>
#include <cctype>
#include <exception>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "collectors/gpu/sysfs_device.hpp"
#include "collectors/gpu/sysfs_discovery.hpp"

namespace llmon::gpu {

namespace {

namespace fs = std::filesystem;
using sysfs::CardPaths;

bool still_there(const fs::path& path) {
  std::error_code ec;
  return fs::exists(path, ec) && !ec;
}

class SysfsBackend final : public GpuBackend {
 public:
  explicit SysfsBackend(fs::path sysfs_root) : root_(std::move(sysfs_root)) {}

  std::string name() const override { return "sysfs"; }

  // Rediscovers every time: this is the slow path, and it is how hotplug, a driver reload
  // (new hwmon numbers) or a KFD that came up late are picked up.
  std::vector<GpuDevice> read_devices() override {
    cards_ = sysfs::discover_cards(root_);
    std::vector<GpuDevice> devices;
    for (const auto& card : *cards_) {
      GpuDevice gpu = sysfs::read_device(card);
      // Gone while being read (unbind, hot-unplug): its values are a mix of real and absent.
      if (still_there(card.device_dir)) devices.push_back(std::move(gpu));
    }
    return devices;
  }

  // Runs every sample_interval, so it reuses the discovered paths and only rediscovers when
  // one of them has disappeared.
  std::vector<FastSample> read_fast() override {
    if (!cards_) cards_ = sysfs::discover_cards(root_);
    bool stale = false;
    auto samples = read_fast_from(*cards_, stale);
    if (stale) {
      cards_ = sysfs::discover_cards(root_);
      samples = read_fast_from(*cards_, stale);
    }
    return samples;
  }

 private:
  static std::vector<FastSample> read_fast_from(const std::vector<CardPaths>& cards, bool& stale) {
    std::vector<FastSample> samples;
    stale = false;
    for (const auto& card : cards) {
      FastSample sample = sysfs::read_fast_sample(card);
      if (!still_there(card.device_dir)) {
        stale = true;  // and leave the vanished card out
        continue;
      }
      // A driver reload keeps the PCI directory but renumbers hwmon.
      if (!card.hwmon_dir.empty() && !still_there(card.hwmon_dir)) stale = true;
      samples.push_back(std::move(sample));
    }
    return samples;
  }

  fs::path root_;
  std::optional<std::vector<CardPaths>> cards_;  // nullopt until the first discovery
};

}  // namespace

std::unique_ptr<GpuBackend> make_sysfs_backend(std::filesystem::path sysfs_root) {
  return std::make_unique<SysfsBackend>(std::move(sysfs_root));
}

std::size_t count_sysfs_gpus(const std::filesystem::path& sysfs_root) {
  try {
    return sysfs::discover_cards(sysfs_root).size();
  } catch (const std::exception&) {
    return 0;  // an unreadable root just means "no sysfs GPUs" for the auto choice
  }
}

}  // namespace llmon::gpu
