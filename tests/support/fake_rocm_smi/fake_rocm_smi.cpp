// A stand-in for librocm_smi64 for tests: exports the rsmi_* calls llmon resolves, answering
// from the script named by $FAKE_ROCM_SMI_SCRIPT (format in README.md), re-read at every
// rsmi_init. Built twice: FAKE_ROCM_SMI_ABI 5 plays a ROCm 5.x library, 6 a 6.x/7.x one (the
// 6.0 symbols and rsmi_frequencies_t layout), because what a real library exports is fixed
// when it is built, not by anything it reads. Not thread-safe, like the callers it serves.
#include <rocm_smi/rocm_smi.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "script.hpp"

#ifndef FAKE_ROCM_SMI_ABI
#error "build with FAKE_ROCM_SMI_ABI=5 or 6"
#endif

namespace {

using fake_rocm_smi::Answer;
using fake_rocm_smi::number;

// Static, like the real library's; deliberately unlike its wording, so tests can tell them apart.
constexpr std::pair<rsmi_status_t, const char*> kStatusTexts[] = {
    {RSMI_STATUS_SUCCESS, "fake: success"},
    {RSMI_STATUS_NOT_SUPPORTED, "fake: not supported"},
    {RSMI_STATUS_PERMISSION, "fake: permission denied"},
    {RSMI_STATUS_INIT_ERROR, "fake: initialization failed"},
};
// The two rsmi_frequencies_t generations, spelled out rather than taken from the header so the
// fake can play either library whatever rocm_smi.h it was built with.
struct FrequenciesV5 {
  std::uint32_t num_supported;
  std::uint32_t current;
  std::array<std::uint64_t, 32> frequency;
};
struct FrequenciesV6 {
  bool has_deep_sleep;
  std::uint32_t num_supported;
  std::uint32_t current;
  std::array<std::uint64_t, 33> frequency;
};
fake_rocm_smi::Script g_state;
int g_live_inits = 0;   // successful rsmi_init calls not yet matched by rsmi_shut_down
int g_clock_calls = 0;  // rsmi_dev_gpu_clk_freq_get calls since the library was loaded

std::uint32_t device_count() {
  return g_state.devices.status == RSMI_STATUS_SUCCESS
             ? static_cast<std::uint32_t>(number(g_state.devices.values[0]))
             : 0;
}

// The scripted answer for (dev, key); a key the script never mentions is NOT_SUPPORTED.
rsmi_status_t lookup(std::uint32_t dev, const std::string& key, const Answer** out) {
  if (g_live_inits == 0) return RSMI_STATUS_INIT_ERROR;
  if (dev >= device_count()) return RSMI_STATUS_INVALID_ARGS;
  const auto it = g_state.dev.find({dev, key});
  if (it == g_state.dev.end()) return RSMI_STATUS_NOT_SUPPORTED;
  *out = &it->second;
  return it->second.status;
}

template <typename T>
rsmi_status_t answer_number(std::uint32_t dev, const std::string& key, T* out) {
  if (out == nullptr) return RSMI_STATUS_INVALID_ARGS;
  const Answer* answer = nullptr;
  const rsmi_status_t status = lookup(dev, key, &answer);
  if (status == RSMI_STATUS_SUCCESS) *out = static_cast<T>(number(answer->values[0]));
  return status;
}

// Writes exactly sizeof(Layout) bytes, as a real library of that generation does.
template <typename Layout>
void write_frequencies(const std::vector<std::string>& values, void* out) {
  Layout f;
  std::memset(&f, 0, sizeof f);
  f.num_supported = static_cast<std::uint32_t>(number(values.at(0)));
  f.current = values.size() > 1 ? static_cast<std::uint32_t>(number(values[1])) : 0;
  for (std::size_t k = 2; k < values.size() && k - 2 < f.frequency.size(); ++k) {
    f.frequency[k - 2] = number(values[k]);
  }
  std::memcpy(out, &f, sizeof f);
}

const char* temp_sensor_name(std::uint32_t sensor) {
  constexpr std::pair<std::uint32_t, const char*> kSensors[] = {
      {RSMI_TEMP_TYPE_EDGE, "edge"},
      {RSMI_TEMP_TYPE_JUNCTION, "junction"},
      {RSMI_TEMP_TYPE_MEMORY, "memory"},
  };
  for (const auto& [type, name] : kSensors) {
    if (type == sensor) return name;
  }
  return nullptr;
}

const char* memory_pool_name(rsmi_memory_type_t pool) {
  constexpr std::pair<rsmi_memory_type_t, const char*> kPools[] = {
      {RSMI_MEM_TYPE_VRAM, "vram"},
      {RSMI_MEM_TYPE_VIS_VRAM, "vis_vram"},
      {RSMI_MEM_TYPE_GTT, "gtt"},
  };
  for (const auto& [type, name] : kPools) {
    if (type == pool) return name;
  }
  return nullptr;
}
}  // namespace

extern "C" {

// Not part of rocm_smi: lets tests check that every successful rsmi_init was shut down.
int fake_rocm_smi_live_inits(void) { return g_live_inits; }
// Not part of rocm_smi: lets tests check that a 5.x library's clock parser is never reached.
int fake_rocm_smi_clock_calls(void) { return g_clock_calls; }

rsmi_status_t rsmi_init(uint64_t /*init_flags*/) {
  const rsmi_status_t loaded = fake_rocm_smi::load_script(g_state);
  if (loaded != RSMI_STATUS_SUCCESS) return loaded;
  if (g_state.abi != 0 && g_state.abi != FAKE_ROCM_SMI_ABI) {
    std::fprintf(stderr,
                 "fake_rocm_smi: the script is for the ROCm %d.x fake, this is the %d.x one\n",
                 g_state.abi, FAKE_ROCM_SMI_ABI);
    return RSMI_STATUS_INTERNAL_EXCEPTION;
  }
  if (g_state.init_status == RSMI_STATUS_SUCCESS) ++g_live_inits;
  return g_state.init_status;
}

rsmi_status_t rsmi_shut_down(void) {
  if (g_live_inits == 0) return RSMI_STATUS_INIT_ERROR;  // as the real library answers
  --g_live_inits;
  return RSMI_STATUS_SUCCESS;
}

rsmi_status_t rsmi_num_monitor_devices(uint32_t* num_devices) {
  if (num_devices == nullptr) return RSMI_STATUS_INVALID_ARGS;
  // The real library answers 0 devices, successfully, even after a failed rsmi_init.
  *num_devices = g_live_inits > 0 ? device_count() : 0;
  return g_live_inits > 0 ? g_state.devices.status : RSMI_STATUS_SUCCESS;
}

rsmi_status_t rsmi_status_string(rsmi_status_t status, const char** status_string) {
  if (status_string == nullptr) return RSMI_STATUS_INVALID_ARGS;
  *status_string = "fake: some error";
  for (const auto& [value, text] : kStatusTexts) {
    if (value == status) *status_string = text;
  }
  return RSMI_STATUS_SUCCESS;
}

rsmi_status_t rsmi_version_get(rsmi_version_t* version) {
  if (version == nullptr) return RSMI_STATUS_INVALID_ARGS;
  const Answer& v = g_state.version;
  if (v.status != RSMI_STATUS_SUCCESS) return v.status;
  version->major = static_cast<uint32_t>(number(v.values.at(0)));
  version->minor = v.values.size() > 1 ? static_cast<uint32_t>(number(v.values[1])) : 0;
  version->patch = v.values.size() > 2 ? static_cast<uint32_t>(number(v.values[2])) : 0;
  version->build = "fake";
  return RSMI_STATUS_SUCCESS;
}

rsmi_status_t rsmi_dev_id_get(uint32_t dv_ind, uint16_t* id) {
  return answer_number(dv_ind, "id", id);
}

rsmi_status_t rsmi_dev_name_get(uint32_t dv_ind, char* name, size_t len) {
  if (name == nullptr || len == 0) return RSMI_STATUS_INVALID_ARGS;
  const Answer* answer = nullptr;
  const rsmi_status_t status = lookup(dv_ind, "name", &answer);
  if (status != RSMI_STATUS_SUCCESS) return status;
  const std::string& text = answer->values[0];
  const std::size_t n = text.size() < len - 1 ? text.size() : len - 1;
  std::memcpy(name, text.data(), n);
  name[n] = '\0';
  return RSMI_STATUS_SUCCESS;
}

rsmi_status_t rsmi_dev_unique_id_get(uint32_t dv_ind, uint64_t* id) {
  return answer_number(dv_ind, "unique_id", id);
}

rsmi_status_t rsmi_dev_pci_id_get(uint32_t dv_ind, uint64_t* bdfid) {
  return answer_number(dv_ind, "pci_id", bdfid);
}

rsmi_status_t rsmi_dev_busy_percent_get(uint32_t dv_ind, uint32_t* busy_percent) {
  return answer_number(dv_ind, "busy", busy_percent);
}

rsmi_status_t rsmi_dev_memory_busy_percent_get(uint32_t dv_ind, uint32_t* busy_percent) {
  return answer_number(dv_ind, "mem_busy", busy_percent);
}

rsmi_status_t rsmi_dev_memory_usage_get(uint32_t dv_ind, rsmi_memory_type_t mem_type,
                                        uint64_t* used) {
  const char* pool = memory_pool_name(mem_type);
  if (pool == nullptr) return RSMI_STATUS_INVALID_ARGS;
  return answer_number(dv_ind, std::string("mem_used ") + pool, used);
}

rsmi_status_t rsmi_dev_memory_total_get(uint32_t dv_ind, rsmi_memory_type_t mem_type,
                                        uint64_t* total) {
  const char* pool = memory_pool_name(mem_type);
  if (pool == nullptr) return RSMI_STATUS_INVALID_ARGS;
  return answer_number(dv_ind, std::string("mem_total ") + pool, total);
}

#if FAKE_ROCM_SMI_ABI >= 6
// Added in ROCm 6.0 (not in the 5.x rocm_smi.h), so declared by hand with the 6.x signature.
rsmi_status_t rsmi_dev_current_socket_power_get(uint32_t dv_ind, uint64_t* socket_power);
rsmi_status_t rsmi_dev_current_socket_power_get(uint32_t dv_ind, uint64_t* socket_power) {
  return answer_number(dv_ind, "socket_power", socket_power);
}

// Also new in 6.0; its types are not in the 5.x header either. llmon only looks for the symbol,
// so the fake only has to export it.
rsmi_status_t rsmi_dev_activity_metric_get(uint32_t dv_ind, int metric, void* counter);
rsmi_status_t rsmi_dev_activity_metric_get(uint32_t dv_ind, int /*metric*/, void* counter) {
  if (counter == nullptr) return RSMI_STATUS_INVALID_ARGS;
  const Answer* answer = nullptr;
  return lookup(dv_ind, "activity_metric", &answer);
}
#endif

rsmi_status_t rsmi_dev_power_ave_get(uint32_t dv_ind, uint32_t sensor_ind, uint64_t* power) {
  if (sensor_ind != 0) return RSMI_STATUS_INVALID_ARGS;
  return answer_number(dv_ind, "power", power);
}

rsmi_status_t rsmi_dev_temp_metric_get(uint32_t dv_ind, uint32_t sensor_type,
                                       rsmi_temperature_metric_t metric, int64_t* temperature) {
  const char* sensor = temp_sensor_name(sensor_type);
  if (sensor == nullptr) return RSMI_STATUS_INVALID_ARGS;
  if (metric != RSMI_TEMP_CURRENT) return RSMI_STATUS_NOT_SUPPORTED;
  return answer_number(dv_ind, std::string("temp ") + sensor, temperature);
}

rsmi_status_t rsmi_dev_gpu_clk_freq_get(uint32_t dv_ind, rsmi_clk_type_t clk_type,
                                        rsmi_frequencies_t* f) {
  ++g_clock_calls;
  if (f == nullptr) return RSMI_STATUS_INVALID_ARGS;
  const char* key = clk_type == RSMI_CLK_TYPE_SYS   ? "sclk"
                    : clk_type == RSMI_CLK_TYPE_MEM ? "mclk"
                                                    : "unsupported clock";
  const Answer* answer = nullptr;
  const rsmi_status_t status = lookup(dv_ind, key, &answer);
  if (status != RSMI_STATUS_SUCCESS) return status;
#if FAKE_ROCM_SMI_ABI >= 6
  write_frequencies<FrequenciesV6>(answer->values, f);
#else
  write_frequencies<FrequenciesV5>(answer->values, f);
#endif
  return RSMI_STATUS_SUCCESS;
}

rsmi_status_t rsmi_dev_fan_rpms_get(uint32_t dv_ind, uint32_t sensor_ind, int64_t* speed) {
  if (sensor_ind != 0) return RSMI_STATUS_INVALID_ARGS;
  return answer_number(dv_ind, "fan_rpm", speed);
}

rsmi_status_t rsmi_dev_fan_speed_get(uint32_t dv_ind, uint32_t sensor_ind, int64_t* speed) {
  if (sensor_ind != 0) return RSMI_STATUS_INVALID_ARGS;
  return answer_number(dv_ind, "fan_speed", speed);
}

rsmi_status_t rsmi_dev_fan_speed_max_get(uint32_t dv_ind, uint32_t sensor_ind,
                                         uint64_t* max_speed) {
  if (sensor_ind != 0) return RSMI_STATUS_INVALID_ARGS;
  return answer_number(dv_ind, "fan_speed_max", max_speed);
}

rsmi_status_t rsmi_dev_perf_level_get(uint32_t dv_ind, rsmi_dev_perf_level_t* perf) {
  if (perf == nullptr) return RSMI_STATUS_INVALID_ARGS;
  const Answer* answer = nullptr;
  const rsmi_status_t status = lookup(dv_ind, "perf_level", &answer);
  if (status != RSMI_STATUS_SUCCESS) return status;
  *perf = fake_rocm_smi::perf_level(answer->values[0]);
  return RSMI_STATUS_SUCCESS;
}

}  // extern "C"
