// A stand-in for librocm_smi64 for tests: exports the rsmi_* calls llmon resolves, answering
// from the script named by $FAKE_ROCM_SMI_SCRIPT (format in README.md), re-read at every
// rsmi_init. Not thread-safe, like the callers it serves.
#include <rocm_smi/rocm_smi.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace {

constexpr std::pair<const char*, rsmi_status_t> kStatuses[] = {
    {"SUCCESS", RSMI_STATUS_SUCCESS},
    {"INVALID_ARGS", RSMI_STATUS_INVALID_ARGS},
    {"NOT_SUPPORTED", RSMI_STATUS_NOT_SUPPORTED},
    {"FILE_ERROR", RSMI_STATUS_FILE_ERROR},
    {"PERMISSION", RSMI_STATUS_PERMISSION},
    {"OUT_OF_RESOURCES", RSMI_STATUS_OUT_OF_RESOURCES},
    {"INTERNAL_EXCEPTION", RSMI_STATUS_INTERNAL_EXCEPTION},
    {"INPUT_OUT_OF_BOUNDS", RSMI_STATUS_INPUT_OUT_OF_BOUNDS},
    {"INIT_ERROR", RSMI_STATUS_INIT_ERROR},
    {"NOT_YET_IMPLEMENTED", RSMI_STATUS_NOT_YET_IMPLEMENTED},
    {"NOT_FOUND", RSMI_STATUS_NOT_FOUND},
    {"INSUFFICIENT_SIZE", RSMI_STATUS_INSUFFICIENT_SIZE},
    {"INTERRUPT", RSMI_STATUS_INTERRUPT},
    {"UNEXPECTED_SIZE", RSMI_STATUS_UNEXPECTED_SIZE},
    {"NO_DATA", RSMI_STATUS_NO_DATA},
    {"UNEXPECTED_DATA", RSMI_STATUS_UNEXPECTED_DATA},
    {"BUSY", RSMI_STATUS_BUSY},
    {"REFCOUNT_OVERFLOW", RSMI_STATUS_REFCOUNT_OVERFLOW},
    {"UNKNOWN_ERROR", RSMI_STATUS_UNKNOWN_ERROR},
};

constexpr std::pair<const char*, rsmi_dev_perf_level_t> kPerfLevels[] = {
    {"AUTO", RSMI_DEV_PERF_LEVEL_AUTO},
    {"LOW", RSMI_DEV_PERF_LEVEL_LOW},
    {"HIGH", RSMI_DEV_PERF_LEVEL_HIGH},
    {"MANUAL", RSMI_DEV_PERF_LEVEL_MANUAL},
    {"STABLE_STD", RSMI_DEV_PERF_LEVEL_STABLE_STD},
    {"STABLE_PEAK", RSMI_DEV_PERF_LEVEL_STABLE_PEAK},
    {"STABLE_MIN_MCLK", RSMI_DEV_PERF_LEVEL_STABLE_MIN_MCLK},
    {"STABLE_MIN_SCLK", RSMI_DEV_PERF_LEVEL_STABLE_MIN_SCLK},
    {"DETERMINISM", RSMI_DEV_PERF_LEVEL_DETERMINISM},
    {"UNKNOWN", RSMI_DEV_PERF_LEVEL_UNKNOWN},
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

std::optional<rsmi_status_t> status_named(const std::string& token) {
  for (const auto& [name, status] : kStatuses) {
    if (token == name) return status;
  }
  return std::nullopt;
}

bool is_number(const std::string& token) {
  if (token.empty()) return false;
  char* end = nullptr;
  std::strtoll(token.c_str(), &end, 0);
  return *end == '\0';
}

std::uint64_t number(const std::string& token) { return std::strtoull(token.c_str(), nullptr, 0); }

// One scripted answer: a status, and on success the values the call reports.
struct Answer {
  rsmi_status_t status = RSMI_STATUS_SUCCESS;
  std::vector<std::string> values;
};

struct State {
  rsmi_status_t init_status = RSMI_STATUS_SUCCESS;
  Answer version{RSMI_STATUS_SUCCESS, {"5", "2", "3"}};
  Answer devices{RSMI_STATUS_SUCCESS, {"0"}};
  std::map<std::pair<std::uint32_t, std::string>, Answer> dev;  // (index, "temp edge") -> answer
};

State g_state;
int g_live_inits = 0;  // successful rsmi_init calls not yet matched by rsmi_shut_down

Answer make_answer(std::vector<std::string> values) {
  if (values.size() == 1) {
    if (auto status = status_named(values[0])) return Answer{*status, {}};
  }
  return Answer{RSMI_STATUS_SUCCESS, std::move(values)};
}

// Every value must be a number except a name, and a perf level's enum name.
bool valid(const std::string& key, const Answer& answer) {
  if (answer.status != RSMI_STATUS_SUCCESS) return true;
  if (answer.values.empty()) return false;
  if (key == "name") return true;
  for (const auto& v : answer.values) {
    bool perf_name = false;
    for (const auto& [name, level] : kPerfLevels) perf_name = perf_name || v == name;
    if (!is_number(v) && !(key == "perf_level" && perf_name)) return false;
  }
  return true;
}

std::vector<std::string> split(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> tokens;
  for (std::string token; in >> token;) tokens.push_back(token);
  return tokens;
}

bool known_key(const std::string& key) {
  static const char* const kKeys[] = {
      "id",         "name",          "unique_id",     "pci_id",          "busy",
      "mem_busy",   "socket_power",  "power",         "sclk",            "mclk",
      "fan_rpm",    "fan_speed",     "fan_speed_max", "perf_level",      "temp edge",
      "temp junction", "temp memory", "mem_used vram", "mem_used vis_vram", "mem_used gtt",
      "mem_total vram", "mem_total vis_vram", "mem_total gtt"};
  for (const char* known : kKeys) {
    if (key == known) return true;
  }
  return false;
}

bool parse_line(const std::string& line, State& state) {
  std::istringstream in(line.substr(0, line.find('#')));
  std::string word, index, key;
  if (!(in >> word)) return true;
  std::string rest;
  if (word == "init" || word == "version" || word == "devices") {
    std::getline(in, rest);
    Answer answer = make_answer(split(rest));
    if (word == "init") {
      state.init_status = answer.status;
      return answer.values.empty();  // a status name, nothing else
    }
    (word == "version" ? state.version : state.devices) = answer;
    return valid(word, answer);
  }
  if (word != "dev" || !(in >> index >> key) || !is_number(index)) return false;
  if (key == "temp" || key == "mem_used" || key == "mem_total") {
    std::string qualifier;
    if (!(in >> qualifier)) return false;
    key += " " + qualifier;
  }
  if (!known_key(key)) return false;
  std::getline(in, rest);
  std::vector<std::string> values = split(rest);
  // A marketing name has spaces: keep the rest of the line as one value.
  if (key == "name" && !values.empty() && !(values.size() == 1 && status_named(values[0]))) {
    const auto first = rest.find_first_not_of(" \t");
    const auto last = rest.find_last_not_of(" \t\r");
    values = {rest.substr(first, last - first + 1)};
  }
  Answer answer = make_answer(std::move(values));
  state.dev[{static_cast<std::uint32_t>(number(index)), key}] = answer;
  return valid(key, answer);
}

// Loads the script into a fresh state; INTERNAL_EXCEPTION (and a message) when it is unusable.
rsmi_status_t load_script() {
  g_state = State{};
  const char* path = std::getenv("FAKE_ROCM_SMI_SCRIPT");
  if (path == nullptr || *path == '\0') return RSMI_STATUS_SUCCESS;
  std::ifstream file(path);
  if (!file) {
    std::fprintf(stderr, "fake_rocm_smi: cannot read script %s\n", path);
    return RSMI_STATUS_FILE_ERROR;
  }
  int line_no = 0;
  for (std::string line; std::getline(file, line);) {
    ++line_no;
    if (!parse_line(line, g_state)) {
      std::fprintf(stderr, "fake_rocm_smi: %s:%d: cannot parse '%s'\n", path, line_no, line.c_str());
      return RSMI_STATUS_INTERNAL_EXCEPTION;
    }
  }
  return RSMI_STATUS_SUCCESS;
}

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

bool emulates_rocm6() {
  return g_state.version.status == RSMI_STATUS_SUCCESS && number(g_state.version.values[0]) >= 6;
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
  switch (sensor) {
    case RSMI_TEMP_TYPE_EDGE: return "edge";
    case RSMI_TEMP_TYPE_JUNCTION: return "junction";
    case RSMI_TEMP_TYPE_MEMORY: return "memory";
    default: return nullptr;
  }
}

const char* memory_pool_name(rsmi_memory_type_t type) {
  switch (type) {
    case RSMI_MEM_TYPE_VRAM: return "vram";
    case RSMI_MEM_TYPE_VIS_VRAM: return "vis_vram";
    case RSMI_MEM_TYPE_GTT: return "gtt";
    default: return nullptr;
  }
}

}  // namespace

extern "C" {

// Not part of rocm_smi: lets tests check that every successful rsmi_init was shut down.
int fake_rocm_smi_live_inits(void) { return g_live_inits; }

rsmi_status_t rsmi_init(uint64_t /*init_flags*/) {
  const rsmi_status_t loaded = load_script();
  if (loaded != RSMI_STATUS_SUCCESS) return loaded;
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
  switch (status) {
    case RSMI_STATUS_SUCCESS: *status_string = "fake: success"; break;
    case RSMI_STATUS_NOT_SUPPORTED: *status_string = "fake: not supported"; break;
    case RSMI_STATUS_PERMISSION: *status_string = "fake: permission denied"; break;
    case RSMI_STATUS_INIT_ERROR: *status_string = "fake: initialization failed"; break;
    default: *status_string = "fake: some error"; break;
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

// ROCm 6.x only (not in every rocm_smi.h), so declared by hand with the 6.x signature.
rsmi_status_t rsmi_dev_current_socket_power_get(uint32_t dv_ind, uint64_t* socket_power);
rsmi_status_t rsmi_dev_current_socket_power_get(uint32_t dv_ind, uint64_t* socket_power) {
  return answer_number(dv_ind, "socket_power", socket_power);
}

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
  if (f == nullptr) return RSMI_STATUS_INVALID_ARGS;
  const char* key = clk_type == RSMI_CLK_TYPE_SYS   ? "sclk"
                    : clk_type == RSMI_CLK_TYPE_MEM ? "mclk"
                                                    : "unsupported clock";
  const Answer* answer = nullptr;
  const rsmi_status_t status = lookup(dv_ind, key, &answer);
  if (status != RSMI_STATUS_SUCCESS) return status;
  if (emulates_rocm6()) {
    write_frequencies<FrequenciesV6>(answer->values, f);
  } else {
    write_frequencies<FrequenciesV5>(answer->values, f);
  }
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
  *perf = static_cast<rsmi_dev_perf_level_t>(number(answer->values[0]));
  for (const auto& [name, level] : kPerfLevels) {
    if (answer->values[0] == name) *perf = level;
  }
  return RSMI_STATUS_SUCCESS;
}

}  // extern "C"
