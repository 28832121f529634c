#include "collectors/gpu/sysfs_backend.hpp"

#include <algorithm>
#include <cctype>
#include <exception>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "collectors/gpu/sysfs_discovery.hpp"
#include "collectors/gpu/sysfs_parse.hpp"
#include "common/fs.hpp"

namespace llmon::gpu {

namespace {

namespace fs = std::filesystem;
using sysfs::CardPaths;

// Every value below goes through read_trimmed/read_file (bounded reads) and a strict parser, so
// an empty, garbage or missing file is simply an absent value.

std::optional<std::uint64_t> read_uint(const fs::path& path) {
  const auto text = read_trimmed(path);
  return text ? sysfs::parse_uint(*text) : std::nullopt;
}

std::optional<double> read_double(const fs::path& path) {
  const auto value = read_uint(path);
  return value ? std::optional<double>(static_cast<double>(*value)) : std::nullopt;
}

std::optional<double> read_percent_ratio(const fs::path& path) {
  const auto value = read_uint(path);
  return value ? sysfs::percent_to_ratio(*value) : std::nullopt;
}

std::optional<double> read_dpm_current(const fs::path& path) {
  const ReadResult r = read_file(path);
  return r.ok() ? sysfs::parse_dpm_current(r.content) : std::nullopt;
}

// `file` is empty when discovery found nothing; never read a bare relative name then.
std::optional<double> read_watts(const fs::path& file) {
  if (file.empty()) return std::nullopt;
  const auto microwatts = read_uint(file);
  return microwatts ? std::optional<double>(sysfs::microwatts_to_watts(*microwatts)) : std::nullopt;
}

std::optional<double> read_hwmon_double(const fs::path& hwmon_dir, const char* name) {
  return hwmon_dir.empty() ? std::nullopt : read_double(hwmon_dir / name);
}

std::string to_lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// "temp2_input" -> 2.
std::optional<std::uint64_t> temp_input_index(std::string_view name) {
  constexpr std::string_view kPrefix = "temp";
  constexpr std::string_view kSuffix = "_input";
  if (name.size() <= kPrefix.size() + kSuffix.size() || !name.starts_with(kPrefix) ||
      !name.ends_with(kSuffix)) {
    return std::nullopt;
  }
  const auto digits = name.substr(kPrefix.size(), name.size() - kPrefix.size() - kSuffix.size());
  if (!std::all_of(digits.begin(), digits.end(), [](unsigned char c) { return std::isdigit(c); })) {
    return std::nullopt;
  }
  return sysfs::parse_uint(digits);
}

std::vector<Temperature> read_temperatures(const fs::path& hwmon_dir) {
  if (hwmon_dir.empty()) return {};
  std::vector<std::uint64_t> indices;
  std::error_code ec;
  for (fs::directory_iterator it(hwmon_dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (const auto index = temp_input_index(it->path().filename().string())) {
      indices.push_back(*index);
    }
  }
  std::sort(indices.begin(), indices.end());  // numeric, so temp10 follows temp9

  std::vector<Temperature> temperatures;
  for (const std::uint64_t index : indices) {
    const std::string base = "temp" + std::to_string(index);
    const auto text = read_trimmed(hwmon_dir / (base + "_input"));
    const auto millidegrees = text ? sysfs::parse_int(*text) : std::nullopt;
    if (!millidegrees) continue;
    std::string label = to_lower(read_trimmed(hwmon_dir / (base + "_label")).value_or(""));
    temperatures.push_back(Temperature{label.empty() ? base : std::move(label),
                                       sysfs::millidegrees_to_celsius(*millidegrees)});
  }
  return temperatures;
}

std::vector<MemoryPool> read_memory(const fs::path& device_dir) {
  struct PoolFiles {
    const char* pool;
    const char* used;
    const char* total;
  };
  static constexpr PoolFiles kPools[] = {
      {"vram", "mem_info_vram_used", "mem_info_vram_total"},
      {"vis_vram", "mem_info_vis_vram_used", "mem_info_vis_vram_total"},
      {"gtt", "mem_info_gtt_used", "mem_info_gtt_total"},
  };
  std::vector<MemoryPool> pools;
  for (const auto& files : kPools) {
    MemoryPool pool{files.pool, read_double(device_dir / files.used),
                    read_double(device_dir / files.total)};
    if (pool.used_bytes || pool.total_bytes) pools.push_back(std::move(pool));
  }
  return pools;
}

void read_identity(const CardPaths& card, GpuDevice& gpu) {
  gpu.card = card.card;
  gpu.pci_bus = card.pci_bus;
  gpu.gfx_target = card.gfx_target;
  const auto raw_id = read_trimmed(card.device_dir / "device");
  const auto id = raw_id ? sysfs::parse_hex_id(*raw_id) : std::nullopt;
  if (id) gpu.device_id = sysfs::format_device_id(*id);
  gpu.unique_id = read_trimmed(card.device_dir / "unique_id").value_or("");

  gpu.name = known_device_name(gpu.device_id);
  // product_name exists only on some boards (mostly Instinct/PRO), and reads empty on others.
  if (gpu.name.empty()) gpu.name = read_trimmed(card.device_dir / "product_name").value_or("");
  if (gpu.name.empty()) gpu.name = gpu.device_id.empty() ? "AMD GPU" : "AMD GPU " + gpu.device_id;
}

GpuDevice read_device(const CardPaths& card) {
  const fs::path& dev = card.device_dir;
  const fs::path& hwmon = card.hwmon_dir;
  GpuDevice gpu;
  read_identity(card, gpu);

  gpu.busy_ratio = read_percent_ratio(dev / "gpu_busy_percent");
  gpu.memory_busy_ratio = read_percent_ratio(dev / "mem_busy_percent");
  gpu.memory = read_memory(dev);
  if (auto level = read_trimmed(dev / "power_dpm_force_performance_level");
      level && !level->empty()) {
    gpu.performance_level = std::move(*level);
  }

  gpu.temperatures = read_temperatures(hwmon);
  gpu.power_watts = read_watts(card.power_file);
  // hwmon's freqN_input is the measured clock; the starred DPM level is only the requested
  // one, so it is the fallback (APUs have no freq2_input for the memory clock).
  gpu.sclk_hertz = read_hwmon_double(hwmon, "freq1_input");
  if (!gpu.sclk_hertz) gpu.sclk_hertz = read_dpm_current(dev / "pp_dpm_sclk");
  gpu.mclk_hertz = read_hwmon_double(hwmon, "freq2_input");
  if (!gpu.mclk_hertz) gpu.mclk_hertz = read_dpm_current(dev / "pp_dpm_mclk");

  gpu.fan_rpm = read_hwmon_double(hwmon, "fan1_input");
  if (!hwmon.empty()) {
    if (const auto pwm = read_uint(hwmon / "pwm1")) gpu.fan_speed_ratio = sysfs::pwm_to_ratio(*pwm);
  }
  return gpu;
}

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
      GpuDevice gpu = read_device(card);
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
      FastSample sample{card.pci_bus, read_percent_ratio(card.device_dir / "gpu_busy_percent"),
                        read_watts(card.power_file)};
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
