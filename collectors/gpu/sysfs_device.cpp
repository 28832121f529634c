#include "collectors/gpu/sysfs_device.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "collectors/gpu/sysfs_parse.hpp"
#include "common/fs.hpp"
#include "common/log.hpp"

namespace llmon::gpu::sysfs {

namespace {

namespace fs = std::filesystem;

// One log line per change of what a card's gpu_metrics file is (a version, a damaged file), so
// that rediscovery and the fast sampler can read it as often as they like. Bounded: one entry
// per gpu_metrics path ever seen, which is one per card.
void note_state(const fs::path& file, const std::string& state, bool healthy) {
  static std::mutex mutex;
  static std::map<std::string, std::string> last;
  std::lock_guard lock(mutex);
  std::string& previous = last[file.string()];
  if (previous == state) return;
  previous = state;
  if (healthy) {
    logger("gpu")->info("{}: gpu_metrics {}", file.string(), state);
  } else {
    logger("gpu")->warn("{}: gpu_metrics {}", file.string(), state);
  }
}

// Every value below goes through read_trimmed/read_file (bounded reads) and a strict parser, so
// an empty, garbage or missing file is simply an absent value.

std::optional<std::uint64_t> read_uint(const fs::path& path) {
  const auto text = read_trimmed(path);
  return text ? parse_uint(*text) : std::nullopt;
}

std::optional<double> read_double(const fs::path& path) {
  const auto value = read_uint(path);
  return value ? std::optional<double>(static_cast<double>(*value)) : std::nullopt;
}

std::optional<double> read_percent_ratio(const fs::path& path) {
  const auto value = read_uint(path);
  return value ? percent_to_ratio(*value) : std::nullopt;
}

std::optional<double> read_dpm_current(const fs::path& path) {
  const ReadResult r = read_file(path);
  return r.ok() ? parse_dpm_current(r.content) : std::nullopt;
}

// `file` is empty when discovery found nothing; never read a bare relative name then.
std::optional<double> read_watts(const fs::path& file) {
  if (file.empty()) return std::nullopt;
  const auto microwatts = read_uint(file);
  return microwatts ? std::optional<double>(microwatts_to_watts(*microwatts)) : std::nullopt;
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
  return parse_uint(digits);
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
    const auto millidegrees = text ? parse_int(*text) : std::nullopt;
    if (!millidegrees) continue;
    std::string label = to_lower(read_trimmed(hwmon_dir / (base + "_label")).value_or(""));
    temperatures.push_back(Temperature{label.empty() ? base : std::move(label),
                                       millidegrees_to_celsius(*millidegrees)});
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
  const auto id = raw_id ? parse_hex_id(*raw_id) : std::nullopt;
  if (id) gpu.device_id = format_device_id(*id);
  // amdgpu creates unique_id only for some GPUs (not for GC 11.5.1, Strix Halo); KFD reports the
  // same serial for every GPU that has one, which is also what rocm_smi 6.x falls back to.
  gpu.unique_id = read_trimmed(card.device_dir / "unique_id").value_or("");
  if (gpu.unique_id.empty()) gpu.unique_id = card.kfd_unique_id;

  gpu.name = known_device_name(gpu.device_id);
  // product_name exists only on some boards (mostly Instinct/PRO), and reads empty on others.
  if (gpu.name.empty()) gpu.name = read_trimmed(card.device_dir / "product_name").value_or("");
  if (gpu.name.empty()) gpu.name = gpu.device_id.empty() ? "AMD GPU" : "AMD GPU " + gpu.device_id;
}

}  // namespace

Clocks read_clocks(const CardPaths& card, const GpuMetrics* metrics) {
  const fs::path& dev = card.device_dir;
  const fs::path& hwmon = card.hwmon_dir;
  Clocks clocks;
  // hwmon's freqN_input and gpu_metrics are measured clocks; the starred DPM level is only the
  // requested one, so it is the last resort (APUs have no freq2_input for the memory clock).
  clocks.sclk_hertz = read_hwmon_double(hwmon, "freq1_input");
  if (!clocks.sclk_hertz && metrics) clocks.sclk_hertz = metrics->gfx_clock_hertz;
  if (!clocks.sclk_hertz) clocks.sclk_hertz = read_dpm_current(dev / "pp_dpm_sclk");
  clocks.mclk_hertz = read_hwmon_double(hwmon, "freq2_input");
  if (!clocks.mclk_hertz && metrics) clocks.mclk_hertz = metrics->memory_clock_hertz;
  if (!clocks.mclk_hertz) clocks.mclk_hertz = read_dpm_current(dev / "pp_dpm_mclk");
  return clocks;
}

std::optional<GpuMetrics> read_gpu_metrics(const fs::path& file) {
  // The kernel copies at most one page; a larger file is not a gpu_metrics table.
  const ReadResult r = read_file(file, 4096);
  if (r.status == ReadStatus::kNotFound) return std::nullopt;
  std::string state;
  std::optional<GpuMetrics> metrics;
  if (!r.ok()) {
    state = "unreadable: " + r.error;
  } else {
    const auto* data = reinterpret_cast<const std::byte*>(r.content.data());
    auto parsed = parse_gpu_metrics(std::span(data, r.content.size()));
    if (!parsed) {
      state = parsed.error().message;
    } else {
      metrics = *parsed;
      state = "v" + std::to_string(metrics->format_revision) + "." +
              std::to_string(metrics->content_revision);
      if (!metrics->known_layout) state += ", a version this llmon does not know: not used";
      if (metrics->truncated) state += ", shorter than its header says";
    }
  }
  note_state(file, state, metrics.has_value() && metrics->known_layout && !metrics->truncated);
  return metrics;
}

void apply_gpu_metrics(const GpuMetrics& m, GpuDevice& d) {
  d.gfx_power_watts = m.gfx_watts;
  if (!d.power_watts) d.power_watts = m.socket_watts;
  if (!d.busy_ratio) d.busy_ratio = m.gfx_activity_ratio;
  if (!d.memory_busy_ratio) d.memory_busy_ratio = m.memory_activity_ratio;
  const std::pair<const char*, std::optional<double>> kSensors[] = {
      {"edge", m.edge_celsius},
      {"junction", m.junction_celsius},
      {"mem", m.memory_celsius},
      {"soc", m.soc_celsius},
  };
  for (const auto& [sensor, celsius] : kSensors) {
    if (!celsius) continue;
    const bool known =
        std::any_of(d.temperatures.begin(), d.temperatures.end(),
                    [name = sensor](const Temperature& t) { return t.sensor == name; });
    if (!known) d.temperatures.push_back(Temperature{sensor, *celsius});
  }
}

void apply_gpu_metrics(const GpuMetrics& m, FastSample& s) {
  s.gfx_power_watts = m.gfx_watts;
  if (!s.power_watts) s.power_watts = m.socket_watts;
  if (!s.busy_ratio) s.busy_ratio = m.gfx_activity_ratio;
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
  const auto metrics = read_gpu_metrics(dev / "gpu_metrics");
  if (metrics) apply_gpu_metrics(*metrics, gpu);
  const Clocks clocks = read_clocks(card, metrics ? &*metrics : nullptr);
  gpu.sclk_hertz = clocks.sclk_hertz;
  gpu.mclk_hertz = clocks.mclk_hertz;

  gpu.fan_rpm = read_hwmon_double(hwmon, "fan1_input");
  if (!hwmon.empty()) {
    if (const auto pwm = read_uint(hwmon / "pwm1")) gpu.fan_speed_ratio = pwm_to_ratio(*pwm);
  }
  return gpu;
}

FastSample read_fast_sample(const CardPaths& card) {
  FastSample sample{card.pci_bus, read_percent_ratio(card.device_dir / "gpu_busy_percent"),
                    read_watts(card.power_file), std::nullopt};
  if (!card.fast_gpu_metrics.empty()) {
    if (const auto metrics = read_gpu_metrics(card.fast_gpu_metrics)) {
      apply_gpu_metrics(*metrics, sample);
    }
  }
  return sample;
}

}  // namespace llmon::gpu::sysfs
