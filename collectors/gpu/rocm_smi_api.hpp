#pragma once
// RocmSmiApi: a librocm_smi64 loaded with dlopen() at run time and the rsmi_* calls llmon makes,
// each read answering nullopt when the symbol is missing or the call fails (absent, never 0).
// Not thread-safe: the owner (the rocm_smi backend, behind the collector's mutex) serialises calls.
#include <rocm_smi/rocm_smi.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "common/result.hpp"

namespace llmon::gpu {

struct RocmSmiVersion {
  std::uint32_t major = 0;
  std::uint32_t minor = 0;
  std::uint32_t patch = 0;
};

class RocmSmiApi {
 public:
  // dlopen()s `library` (a path or a soname) and resolves the symbols; does not call rsmi_init.
  // Errors: the library cannot be loaded (with dlerror's text) or a required symbol is missing.
  static Expected<std::unique_ptr<RocmSmiApi>> load(const std::string& library);

  ~RocmSmiApi();  // rsmi_shut_down() if init() succeeded, then dlclose()
  RocmSmiApi(const RocmSmiApi&) = delete;
  RocmSmiApi& operator=(const RocmSmiApi&) = delete;

  const std::string& library() const { return library_; }
  // Library version, when rsmi_version_get exists and answered after a successful init().
  // For logs only: it is a build-time tag (Debian's 5.2.3 says 1.0.0, ROCm 7.2 too), not an ABI.
  const std::optional<RocmSmiVersion>& version() const { return version_; }
  // Whether the library is of the ROCm 6.0+ generation: it exports the calls 6.0 added together
  // with the new rsmi_frequencies_t layout and the deep-sleep fix in its clock parser.
  bool rocm6_abi() const { return rocm6_abi_; }

  // rsmi_init(0). Idempotent: a second call after success does nothing.
  rsmi_status_t init();
  // "RSMI_STATUS_INIT_ERROR (text of rsmi_status_string)", for error messages.
  std::string describe(rsmi_status_t status) const;
  Expected<std::uint32_t> num_devices() const;

  std::optional<std::uint64_t> pci_id(std::uint32_t dev) const;  // BDFID
  std::optional<std::uint16_t> device_id(std::uint32_t dev) const;
  std::optional<std::string> name(std::uint32_t dev) const;  // trimmed, never empty
  std::optional<std::uint64_t> unique_id(std::uint32_t dev) const;
  std::optional<std::uint32_t> busy_percent(std::uint32_t dev) const;
  std::optional<std::uint32_t> memory_busy_percent(std::uint32_t dev) const;
  std::optional<std::uint64_t> memory_used(std::uint32_t dev, rsmi_memory_type_t type) const;
  std::optional<std::uint64_t> memory_total(std::uint32_t dev, rsmi_memory_type_t type) const;
  // Microwatts: current socket power when the library has it (what APUs report), else average.
  std::optional<std::uint64_t> power_microwatts(std::uint32_t dev) const;
  // Current reading of one rsmi_temperature_type_t sensor, millidegrees Celsius.
  std::optional<std::int64_t> temperature_millicelsius(std::uint32_t dev,
                                                       std::uint32_t sensor) const;
  // Current DPM level's frequency in hertz, in the rsmi_frequencies_t layout of the library's
  // generation. Always nullopt, without calling the library, on a 5.x library: its clock parser
  // assert()s, and distribution builds keep asserts, on the deep-sleep "S: 24Mhz *" line that
  // current kernels print for idle cards, killing the whole process. The table can change
  // between any check of ours and the library's own read, so no check makes the call safe.
  std::optional<std::uint64_t> current_clock_hertz(std::uint32_t dev, rsmi_clk_type_t clk) const;
  std::optional<std::int64_t> fan_rpm(std::uint32_t dev) const;
  std::optional<std::int64_t> fan_speed(std::uint32_t dev) const;
  std::optional<std::uint64_t> fan_speed_max(std::uint32_t dev) const;
  // The amdgpu sysfs power_dpm_force_performance_level spelling ("auto", "manual", ...).
  std::optional<std::string> performance_level(std::uint32_t dev) const;

 private:
  // ROCm >= 6.0 only, so not in the 5.x rocm_smi.h: typed by hand from the 6.x declaration.
  using CurrentSocketPowerFn = rsmi_status_t (*)(std::uint32_t, std::uint64_t*);

  struct Symbols {
    decltype(&rsmi_init) init = nullptr;
    decltype(&rsmi_shut_down) shut_down = nullptr;
    decltype(&rsmi_num_monitor_devices) num_monitor_devices = nullptr;
    decltype(&rsmi_status_string) status_string = nullptr;
    decltype(&rsmi_version_get) version_get = nullptr;
    decltype(&rsmi_dev_id_get) dev_id_get = nullptr;
    decltype(&rsmi_dev_name_get) dev_name_get = nullptr;
    decltype(&rsmi_dev_unique_id_get) dev_unique_id_get = nullptr;
    decltype(&rsmi_dev_pci_id_get) dev_pci_id_get = nullptr;
    decltype(&rsmi_dev_busy_percent_get) dev_busy_percent_get = nullptr;
    decltype(&rsmi_dev_memory_busy_percent_get) dev_memory_busy_percent_get = nullptr;
    decltype(&rsmi_dev_memory_usage_get) dev_memory_usage_get = nullptr;
    decltype(&rsmi_dev_memory_total_get) dev_memory_total_get = nullptr;
    CurrentSocketPowerFn dev_current_socket_power_get = nullptr;
    decltype(&rsmi_dev_power_ave_get) dev_power_ave_get = nullptr;
    decltype(&rsmi_dev_temp_metric_get) dev_temp_metric_get = nullptr;
    decltype(&rsmi_dev_gpu_clk_freq_get) dev_gpu_clk_freq_get = nullptr;
    decltype(&rsmi_dev_fan_rpms_get) dev_fan_rpms_get = nullptr;
    decltype(&rsmi_dev_fan_speed_get) dev_fan_speed_get = nullptr;
    decltype(&rsmi_dev_fan_speed_max_get) dev_fan_speed_max_get = nullptr;
    decltype(&rsmi_dev_perf_level_get) dev_perf_level_get = nullptr;
  };

  RocmSmiApi(std::string library, void* handle);
  std::optional<Error> resolve();

  std::string library_;
  void* handle_ = nullptr;
  Symbols fn_;
  std::optional<RocmSmiVersion> version_;
  bool rocm6_abi_ = false;
  bool initialised_ = false;
};

}  // namespace llmon::gpu
