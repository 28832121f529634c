#include "collectors/gpu/rocm_smi_backend.hpp"

#include <algorithm>
#include <cstdio>
#include <exception>
#include <map>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include "collectors/gpu/rocm_smi_api.hpp"
#include "collectors/gpu/sysfs_device.hpp"
#include "collectors/gpu/sysfs_discovery.hpp"
#include "collectors/gpu/sysfs_parse.hpp"

namespace llmon::gpu {
namespace {

namespace fs = std::filesystem;

struct Gpu {
  std::uint32_t index = 0;  // rocm_smi's device index
  std::uint64_t bdfid = 0;
  GpuDevice identity;  // identity fields only; measurements are read on every call
};

std::string format_pci_bus(std::uint64_t bdfid) {
  char text[32];
  std::snprintf(text, sizeof text, "%04x:%02x:%02x.%x",
                static_cast<unsigned>((bdfid >> 32) & 0xffffffff),
                static_cast<unsigned>((bdfid >> 8) & 0xff),
                static_cast<unsigned>((bdfid >> 3) & 0x1f), static_cast<unsigned>(bdfid & 0x7));
  return text;
}

// What sysfs shows of each GPU, by PCI bus id; empty when {sysfs_root} has no readable DRM class
// (a container without /sys, a test). rocm_smi 5.x cannot name the drm card nor the gfx target,
// and neither generation can be trusted with the clocks (see read_one()).
std::map<std::string, sysfs::CardPaths> discover(const fs::path& sysfs_root) {
  std::map<std::string, sysfs::CardPaths> cards;
  try {
    for (auto& card : sysfs::discover_cards(sysfs_root)) cards[card.pci_bus] = std::move(card);
  } catch (const std::exception&) {
    // Without sysfs the library's own answers are all there is.
  }
  return cards;
}

// rocm_smi falls back to the bare hex id when pci.ids has no name; that is not a name.
bool is_bare_id(const std::string& name) {
  return name.size() > 2 && name.compare(0, 2, "0x") == 0 &&
         name.find_first_not_of("0123456789abcdefABCDEF", 2) == std::string::npos;
}

std::string device_name(const RocmSmiApi& api, std::uint32_t index, const std::string& id) {
  if (auto name = api.name(index); name && !is_bare_id(*name)) return *name;
  if (std::string known = known_device_name(id); !known.empty()) return known;
  return id.empty() ? "AMD GPU" : "AMD GPU " + id;
}

std::optional<Gpu> read_identity(const RocmSmiApi& api, std::uint32_t index,
                                 const std::map<std::string, sysfs::CardPaths>& cards) {
  const auto bdfid = api.pci_id(index);
  if (!bdfid) return std::nullopt;  // nothing could be joined to a GPU without its bus id
  Gpu gpu{index, *bdfid, {}};
  GpuDevice& d = gpu.identity;
  d.pci_bus = format_pci_bus(*bdfid);
  char text[32];
  if (auto id = api.device_id(index)) {
    std::snprintf(text, sizeof text, "0x%04x", static_cast<unsigned>(*id));
    d.device_id = text;
  }
  d.name = device_name(api, index, d.device_id);
  if (auto serial = api.unique_id(index)) d.unique_id = sysfs::format_unique_id(*serial);
  if (const auto it = cards.find(d.pci_bus); it != cards.end()) {
    d.card = it->second.card;
    d.gfx_target = it->second.gfx_target;
    // 5.x reads only amdgpu's unique_id file, which APUs such as Strix Halo lack; 6.x then
    // answers KFD's serial, and so does this, so both generations and both backends agree.
    if (d.unique_id.empty()) d.unique_id = it->second.kfd_unique_id;
  }
  return gpu;
}

std::optional<double> percent_ratio(std::optional<std::uint32_t> percent) {
  if (!percent || *percent > 100) return std::nullopt;  // above 100 is a driver glitch, not load
  return *percent / 100.0;
}

std::optional<double> watts(std::optional<std::uint64_t> microwatts) {
  if (!microwatts) return std::nullopt;
  return static_cast<double>(*microwatts) / 1e6;
}

template <typename T>
std::optional<double> as_double(std::optional<T> value) {
  if (!value) return std::nullopt;
  return static_cast<double>(*value);
}

class RocmSmiBackend final : public GpuBackend {
 public:
  RocmSmiBackend(std::unique_ptr<RocmSmiApi> api, std::vector<Gpu> gpus, fs::path sysfs_root,
                 std::map<std::string, sysfs::CardPaths> cards)
      : api_(std::move(api)),
        gpus_(std::move(gpus)),
        sysfs_root_(std::move(sysfs_root)),
        cards_(std::move(cards)) {}

  std::string name() const override { return "rocm_smi"; }

  std::vector<GpuDevice> read_devices() override {
    const std::uint32_t count = live_count();
    // The slow path, like the sysfs backend's: picks up renumbered hwmon after a driver reload.
    cards_ = discover(sysfs_root_);
    std::vector<GpuDevice> devices;
    for (const Gpu& gpu : gpus_) {
      // A GPU that was unplugged or reset away no longer answers with the same address.
      if (gpu.index >= count || api_->pci_id(gpu.index) != gpu.bdfid) continue;
      devices.push_back(read_one(gpu));
    }
    return devices;
  }

  std::vector<FastSample> read_fast() override {
    const std::uint32_t count = live_count();
    std::vector<FastSample> samples;
    for (const Gpu& gpu : gpus_) {
      if (gpu.index >= count) continue;
      FastSample sample{gpu.identity.pci_bus, percent_ratio(api_->busy_percent(gpu.index)),
                        watts(api_->power_microwatts(gpu.index)), std::nullopt};
      // The GPU-only power of an APU: no library call gives it (rsmi_dev_gpu_metrics_info_get's
      // struct changes with the library version), the file the sysfs backend reads does.
      const auto it = cards_.find(sample.pci_bus);
      if (it != cards_.end() && !it->second.fast_gpu_metrics.empty()) {
        if (auto metrics = sysfs::read_gpu_metrics(it->second.fast_gpu_metrics)) {
          sysfs::apply_gpu_metrics(*metrics, sample);
        }
      }
      samples.push_back(std::move(sample));
    }
    return samples;
  }

 private:
  std::uint32_t live_count() const {
    auto count = api_->num_devices();
    if (!count) {
      throw std::runtime_error("rocm_smi (" + api_->library() + "): " + count.error().message);
    }
    return *count;
  }

  GpuDevice read_one(const Gpu& gpu) const {
    const RocmSmiApi& api = *api_;
    const std::uint32_t i = gpu.index;
    GpuDevice d = gpu.identity;
    d.busy_ratio = percent_ratio(api.busy_percent(i));
    d.memory_busy_ratio = percent_ratio(api.memory_busy_percent(i));
    constexpr std::pair<rsmi_memory_type_t, const char*> kPools[] = {
        {RSMI_MEM_TYPE_VRAM, "vram"},
        {RSMI_MEM_TYPE_VIS_VRAM, "vis_vram"},
        {RSMI_MEM_TYPE_GTT, "gtt"}};
    for (const auto& [type, pool] : kPools) {
      MemoryPool p{pool, as_double(api.memory_used(i, type)), as_double(api.memory_total(i, type))};
      if (p.used_bytes || p.total_bytes) d.memory.push_back(std::move(p));
    }
    constexpr std::pair<rsmi_temperature_type_t, const char*> kSensors[] = {
        {RSMI_TEMP_TYPE_EDGE, "edge"},
        {RSMI_TEMP_TYPE_JUNCTION, "junction"},
        {RSMI_TEMP_TYPE_MEMORY, "mem"}};
    for (const auto& [type, sensor] : kSensors) {
      if (auto milli = api.temperature_millicelsius(i, type)) {
        d.temperatures.push_back(Temperature{sensor, static_cast<double>(*milli) / 1000.0});
      }
    }
    d.power_watts = watts(api.power_microwatts(i));
    // Clocks come from sysfs whenever llmon can find the card there: a 5.x library's clock
    // parser aborts the process on the deep-sleep "S:" line of idle cards, 6.x's on the "F:"
    // line a kernel patch proposes, and the table can change between any check and the
    // library's read. Reading the files ourselves is the only way the library never sees one;
    // it is also the same value the sysfs backend reports (hwmon's measured clock first). Only
    // a GPU sysfs does not show (an MI partition) asks the library, and only a 6.x one.
    if (const auto it = cards_.find(d.pci_bus); it != cards_.end()) {
      // gpu_metrics as the sysfs backend applies it, so both report the same box alike.
      const auto metrics = sysfs::read_gpu_metrics(it->second.device_dir / "gpu_metrics");
      if (metrics) sysfs::apply_gpu_metrics(*metrics, d);
      const sysfs::Clocks clocks = sysfs::read_clocks(it->second, metrics ? &*metrics : nullptr);
      d.sclk_hertz = clocks.sclk_hertz;
      d.mclk_hertz = clocks.mclk_hertz;
    } else {
      d.sclk_hertz = as_double(api.current_clock_hertz(i, RSMI_CLK_TYPE_SYS));
      d.mclk_hertz = as_double(api.current_clock_hertz(i, RSMI_CLK_TYPE_MEM));
    }
    if (auto rpm = api.fan_rpm(i); rpm && *rpm >= 0) d.fan_rpm = static_cast<double>(*rpm);
    const auto speed = api.fan_speed(i);
    const auto max = api.fan_speed_max(i);
    if (speed && max && *max > 0 && *speed >= 0 && static_cast<std::uint64_t>(*speed) <= *max) {
      d.fan_speed_ratio = static_cast<double>(*speed) / static_cast<double>(*max);
    }
    d.performance_level = api.performance_level(i);
    return d;
  }

  std::unique_ptr<RocmSmiApi> api_;
  std::vector<Gpu> gpus_;  // sorted by pci_bus
  fs::path sysfs_root_;
  std::map<std::string, sysfs::CardPaths> cards_;  // by pci_bus
};

}  // namespace

Expected<std::unique_ptr<GpuBackend>> make_rocm_smi_backend(const std::string& library,
                                                            const std::filesystem::path& sysfs_root,
                                                            const RocmSmiHost& host) {
  auto loaded = RocmSmiApi::load(library);
  if (!loaded) return loaded.error();
  std::unique_ptr<RocmSmiApi> api = std::move(loaded).value();

  // Before rsmi_init, not after its 5 s timeout: a mutex whose owner died would also be
  // "recovered" by init into one the initialising thread holds forever.
  if (const auto stuck = find_stuck_rocm_smi_mutexes(host, false); !stuck.empty()) {
    return make_error("rocm_smi (" + library +
                      "): not initialised: " + describe_stuck_mutexes(stuck));
  }
  if (const rsmi_status_t status = api->init(); status != RSMI_STATUS_SUCCESS) {
    std::string message = "rocm_smi (" + library + "): rsmi_init failed: " + api->describe(status);
    if (const auto stuck = find_stuck_rocm_smi_mutexes(host, true);
        !stuck.empty() && (status == RSMI_STATUS_INIT_ERROR || status == RSMI_STATUS_BUSY)) {
      return make_error(std::move(message) + "; " + describe_stuck_mutexes(stuck));
    }
    if (status == RSMI_STATUS_INIT_ERROR) {
      // What rocm_smi answers on a box (or container) with no /sys/class/drm or no AMD GPU.
      message +=
          "; rocm_smi found no usable AMD GPU (is the amdgpu driver loaded and "
          "/sys/class/drm visible to this process?)";
    }
    return make_error(std::move(message));
  }
  auto count = api->num_devices();
  if (!count) return make_error("rocm_smi (" + library + "): " + count.error().message);

  auto cards = discover(sysfs_root);
  std::vector<Gpu> gpus;
  for (std::uint32_t i = 0; i < *count; ++i) {
    if (auto gpu = read_identity(*api, i, cards)) gpus.push_back(std::move(*gpu));
  }
  std::sort(gpus.begin(), gpus.end(),
            [](const Gpu& a, const Gpu& b) { return a.identity.pci_bus < b.identity.pci_bus; });
  return std::unique_ptr<GpuBackend>(std::make_unique<RocmSmiBackend>(
      std::move(api), std::move(gpus), sysfs_root, std::move(cards)));
}

bool rocm_smi_installed(const std::string& library) { return RocmSmiApi::load(library).ok(); }

}  // namespace llmon::gpu
