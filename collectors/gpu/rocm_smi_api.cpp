#include "collectors/gpu/rocm_smi_api.hpp"

#include <dlfcn.h>

#include <array>
#include <cstddef>
#include <cstring>
#include <utility>

#include "common/fs.hpp"

namespace llmon::gpu {
namespace {

// rsmi_frequencies_t as ROCm 6.x lays it out: 6.0 prepended `has_deep_sleep` and grew the array,
// so the struct of the 5.x rocm_smi.h we build with is wrong for it. Whether a library is of that
// generation is told by its symbols (resolve()), never by rsmi_version_get(): that answers a
// build-time tag (1.0.0 from Debian's 5.2.3 and from ROCm 7.2, 2.x from a git build of 6.0, 7.x
// from the 6.1 packages). The 5.x layout is never needed: a 5.x library's clocks are not read.
struct FrequenciesV6 {
  bool has_deep_sleep;
  std::uint32_t num_supported;
  std::uint32_t current;
  std::array<std::uint64_t, 33> frequency;
};

// Far larger than either generation's struct, so a library that grows it again writes into our
// buffer rather than past it.
struct alignas(alignof(std::max_align_t)) FrequencyBuffer {
  std::array<unsigned char, 1024> bytes{};
};
static_assert(sizeof(FrequenciesV6) < sizeof(FrequencyBuffer));
static_assert(sizeof(rsmi_frequencies_t) < sizeof(FrequencyBuffer));

std::optional<std::uint64_t> current_frequency(const FrequencyBuffer& buffer) {
  FrequenciesV6 f;
  std::memcpy(&f, buffer.bytes.data(), sizeof f);
  // A library with yet another layout shows up here as nonsense counts or indexes.
  if (f.num_supported > f.frequency.size() || f.current >= f.num_supported) return std::nullopt;
  return f.frequency[f.current];
}

constexpr std::pair<rsmi_status_t, const char*> kStatusNames[] = {
    {RSMI_STATUS_SUCCESS, "RSMI_STATUS_SUCCESS"},
    {RSMI_STATUS_INVALID_ARGS, "RSMI_STATUS_INVALID_ARGS"},
    {RSMI_STATUS_NOT_SUPPORTED, "RSMI_STATUS_NOT_SUPPORTED"},
    {RSMI_STATUS_FILE_ERROR, "RSMI_STATUS_FILE_ERROR"},
    {RSMI_STATUS_PERMISSION, "RSMI_STATUS_PERMISSION"},
    {RSMI_STATUS_OUT_OF_RESOURCES, "RSMI_STATUS_OUT_OF_RESOURCES"},
    {RSMI_STATUS_INTERNAL_EXCEPTION, "RSMI_STATUS_INTERNAL_EXCEPTION"},
    {RSMI_STATUS_INPUT_OUT_OF_BOUNDS, "RSMI_STATUS_INPUT_OUT_OF_BOUNDS"},
    {RSMI_STATUS_INIT_ERROR, "RSMI_STATUS_INIT_ERROR"},
    {RSMI_STATUS_NOT_YET_IMPLEMENTED, "RSMI_STATUS_NOT_YET_IMPLEMENTED"},
    {RSMI_STATUS_NOT_FOUND, "RSMI_STATUS_NOT_FOUND"},
    {RSMI_STATUS_INSUFFICIENT_SIZE, "RSMI_STATUS_INSUFFICIENT_SIZE"},
    {RSMI_STATUS_INTERRUPT, "RSMI_STATUS_INTERRUPT"},
    {RSMI_STATUS_UNEXPECTED_SIZE, "RSMI_STATUS_UNEXPECTED_SIZE"},
    {RSMI_STATUS_NO_DATA, "RSMI_STATUS_NO_DATA"},
    {RSMI_STATUS_UNEXPECTED_DATA, "RSMI_STATUS_UNEXPECTED_DATA"},
    {RSMI_STATUS_BUSY, "RSMI_STATUS_BUSY"},
    {RSMI_STATUS_REFCOUNT_OVERFLOW, "RSMI_STATUS_REFCOUNT_OVERFLOW"},
    {RSMI_STATUS_UNKNOWN_ERROR, "RSMI_STATUS_UNKNOWN_ERROR"},
};

// As amdgpu's power_dpm_force_performance_level spells them, so both backends agree.
constexpr std::pair<rsmi_dev_perf_level_t, const char*> kPerfLevelNames[] = {
    {RSMI_DEV_PERF_LEVEL_AUTO, "auto"},
    {RSMI_DEV_PERF_LEVEL_LOW, "low"},
    {RSMI_DEV_PERF_LEVEL_HIGH, "high"},
    {RSMI_DEV_PERF_LEVEL_MANUAL, "manual"},
    {RSMI_DEV_PERF_LEVEL_STABLE_STD, "profile_standard"},
    {RSMI_DEV_PERF_LEVEL_STABLE_PEAK, "profile_peak"},
    {RSMI_DEV_PERF_LEVEL_STABLE_MIN_MCLK, "profile_min_mclk"},
    {RSMI_DEV_PERF_LEVEL_STABLE_MIN_SCLK, "profile_min_sclk"},
    {RSMI_DEV_PERF_LEVEL_DETERMINISM, "perf_determinism"},
};

template <typename Fn>
void bind(void* handle, const char* symbol, Fn& out) {
  out = reinterpret_cast<Fn>(dlsym(handle, symbol));
}

// Calls `fn(args..., &value)` and keeps the value only on success; a missing symbol is absent.
template <typename T, typename Fn, typename... Args>
std::optional<T> query(Fn fn, Args... args) {
  if (fn == nullptr) return std::nullopt;
  T value{};
  if (fn(args..., &value) != RSMI_STATUS_SUCCESS) return std::nullopt;
  return value;
}

}  // namespace

Expected<std::unique_ptr<RocmSmiApi>> RocmSmiApi::load(const std::string& library) {
  dlerror();
  void* handle = dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    return make_error("cannot load rocm_smi library '" + library +
                      "': " + (why != nullptr ? why : "dlopen failed"));
  }
  std::unique_ptr<RocmSmiApi> api(new RocmSmiApi(library, handle));
  if (auto error = api->resolve()) return *error;
  return api;
}

RocmSmiApi::RocmSmiApi(std::string library, void* handle)
    : library_(std::move(library)), handle_(handle) {}

RocmSmiApi::~RocmSmiApi() {
  if (initialised_) fn_.shut_down();
  if (handle_ != nullptr) dlclose(handle_);
}

std::optional<Error> RocmSmiApi::resolve() {
  std::string missing;
  auto require = [&](const char* symbol, auto& out) {
    bind(handle_, symbol, out);
    if (out == nullptr && missing.empty()) missing = symbol;
  };
  require("rsmi_init", fn_.init);
  require("rsmi_shut_down", fn_.shut_down);
  require("rsmi_num_monitor_devices", fn_.num_monitor_devices);
  require("rsmi_status_string", fn_.status_string);
  if (!missing.empty()) {
    return make_error("'" + library_ + "' is not a usable rocm_smi library: required symbol " +
                      missing + " is missing");
  }
  bind(handle_, "rsmi_version_get", fn_.version_get);
  bind(handle_, "rsmi_dev_id_get", fn_.dev_id_get);
  bind(handle_, "rsmi_dev_name_get", fn_.dev_name_get);
  bind(handle_, "rsmi_dev_unique_id_get", fn_.dev_unique_id_get);
  bind(handle_, "rsmi_dev_pci_id_get", fn_.dev_pci_id_get);
  bind(handle_, "rsmi_dev_busy_percent_get", fn_.dev_busy_percent_get);
  bind(handle_, "rsmi_dev_memory_busy_percent_get", fn_.dev_memory_busy_percent_get);
  bind(handle_, "rsmi_dev_memory_usage_get", fn_.dev_memory_usage_get);
  bind(handle_, "rsmi_dev_memory_total_get", fn_.dev_memory_total_get);
  bind(handle_, "rsmi_dev_current_socket_power_get", fn_.dev_current_socket_power_get);
  bind(handle_, "rsmi_dev_power_ave_get", fn_.dev_power_ave_get);
  bind(handle_, "rsmi_dev_temp_metric_get", fn_.dev_temp_metric_get);
  bind(handle_, "rsmi_dev_gpu_clk_freq_get", fn_.dev_gpu_clk_freq_get);
  bind(handle_, "rsmi_dev_fan_rpms_get", fn_.dev_fan_rpms_get);
  bind(handle_, "rsmi_dev_fan_speed_get", fn_.dev_fan_speed_get);
  bind(handle_, "rsmi_dev_fan_speed_max_get", fn_.dev_fan_speed_max_get);
  bind(handle_, "rsmi_dev_perf_level_get", fn_.dev_perf_level_get);
  // Both appeared in ROCm 6.0, with has_deep_sleep; either one marks the 6.x generation (a
  // later release dropping one of them would still have the other).
  rocm6_abi_ = fn_.dev_current_socket_power_get != nullptr ||
               dlsym(handle_, "rsmi_dev_activity_metric_get") != nullptr;
  return std::nullopt;
}

rsmi_status_t RocmSmiApi::init() {
  if (initialised_) return RSMI_STATUS_SUCCESS;
  const rsmi_status_t status = fn_.init(0);
  initialised_ = status == RSMI_STATUS_SUCCESS;
  // After init: no library can be expected to answer anything before it is initialised.
  if (initialised_) {
    if (auto v = query<rsmi_version_t>(fn_.version_get)) {
      version_ = RocmSmiVersion{v->major, v->minor, v->patch};
    }
  }
  return status;
}

std::string RocmSmiApi::describe(rsmi_status_t status) const {
  std::string name = "rsmi status " + std::to_string(static_cast<long long>(status));
  for (const auto& [value, text] : kStatusNames) {
    if (value == status) name = text;
  }
  const char* text = nullptr;
  if (fn_.status_string(status, &text) == RSMI_STATUS_SUCCESS && text != nullptr && *text) {
    name += " (" + std::string(text) + ")";
  }
  return name;
}

Expected<std::uint32_t> RocmSmiApi::num_devices() const {
  std::uint32_t count = 0;
  const rsmi_status_t status = fn_.num_monitor_devices(&count);
  if (status != RSMI_STATUS_SUCCESS) {
    return make_error("rsmi_num_monitor_devices failed: " + describe(status));
  }
  return count;
}

std::optional<std::uint64_t> RocmSmiApi::pci_id(std::uint32_t dev) const {
  return query<std::uint64_t>(fn_.dev_pci_id_get, dev);
}

std::optional<std::uint16_t> RocmSmiApi::device_id(std::uint32_t dev) const {
  return query<std::uint16_t>(fn_.dev_id_get, dev);
}

std::optional<std::string> RocmSmiApi::name(std::uint32_t dev) const {
  if (fn_.dev_name_get == nullptr) return std::nullopt;
  std::array<char, 256> buffer{};
  // One byte short of the buffer, so the terminator survives a library that fills `len` bytes.
  if (fn_.dev_name_get(dev, buffer.data(), buffer.size() - 1) != RSMI_STATUS_SUCCESS) {
    return std::nullopt;
  }
  buffer.back() = '\0';
  std::string name = trim(buffer.data());
  if (name.empty()) return std::nullopt;
  return name;
}

std::optional<std::uint64_t> RocmSmiApi::unique_id(std::uint32_t dev) const {
  return query<std::uint64_t>(fn_.dev_unique_id_get, dev);
}

std::optional<std::uint32_t> RocmSmiApi::busy_percent(std::uint32_t dev) const {
  return query<std::uint32_t>(fn_.dev_busy_percent_get, dev);
}

std::optional<std::uint32_t> RocmSmiApi::memory_busy_percent(std::uint32_t dev) const {
  return query<std::uint32_t>(fn_.dev_memory_busy_percent_get, dev);
}

std::optional<std::uint64_t> RocmSmiApi::memory_used(std::uint32_t dev,
                                                     rsmi_memory_type_t type) const {
  return query<std::uint64_t>(fn_.dev_memory_usage_get, dev, type);
}

std::optional<std::uint64_t> RocmSmiApi::memory_total(std::uint32_t dev,
                                                      rsmi_memory_type_t type) const {
  return query<std::uint64_t>(fn_.dev_memory_total_get, dev, type);
}

std::optional<std::uint64_t> RocmSmiApi::power_microwatts(std::uint32_t dev) const {
  if (auto socket = query<std::uint64_t>(fn_.dev_current_socket_power_get, dev)) return socket;
  return query<std::uint64_t>(fn_.dev_power_ave_get, dev, std::uint32_t{0});
}

std::optional<std::int64_t> RocmSmiApi::temperature_millicelsius(std::uint32_t dev,
                                                                 std::uint32_t sensor) const {
  return query<std::int64_t>(fn_.dev_temp_metric_get, dev, sensor, RSMI_TEMP_CURRENT);
}

std::optional<std::uint64_t> RocmSmiApi::current_clock_hertz(std::uint32_t dev,
                                                             rsmi_clk_type_t clk) const {
  if (fn_.dev_gpu_clk_freq_get == nullptr || !rocm6_abi_) return std::nullopt;
  FrequencyBuffer buffer;
  auto* out = reinterpret_cast<rsmi_frequencies_t*>(buffer.bytes.data());
  if (fn_.dev_gpu_clk_freq_get(dev, clk, out) != RSMI_STATUS_SUCCESS) return std::nullopt;
  return current_frequency(buffer);
}

std::optional<std::int64_t> RocmSmiApi::fan_rpm(std::uint32_t dev) const {
  return query<std::int64_t>(fn_.dev_fan_rpms_get, dev, std::uint32_t{0});
}

std::optional<std::int64_t> RocmSmiApi::fan_speed(std::uint32_t dev) const {
  return query<std::int64_t>(fn_.dev_fan_speed_get, dev, std::uint32_t{0});
}

std::optional<std::uint64_t> RocmSmiApi::fan_speed_max(std::uint32_t dev) const {
  return query<std::uint64_t>(fn_.dev_fan_speed_max_get, dev, std::uint32_t{0});
}

std::optional<std::string> RocmSmiApi::performance_level(std::uint32_t dev) const {
  const auto level = query<rsmi_dev_perf_level_t>(fn_.dev_perf_level_get, dev);
  if (!level) return std::nullopt;
  for (const auto& [value, name] : kPerfLevelNames) {
    if (value == *level) return std::string(name);
  }
  return "unknown";
}

}  // namespace llmon::gpu
