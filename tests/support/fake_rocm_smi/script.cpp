#include "script.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>

namespace fake_rocm_smi {
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
  static const std::string kKeys =
      "|id|name|unique_id|pci_id|busy|mem_busy|socket_power|power|sclk|mclk|fan_rpm|fan_speed"
      "|fan_speed_max|perf_level|temp edge|temp junction|temp memory|mem_used vram"
      "|mem_used vis_vram|mem_used gtt|mem_total vram|mem_total vis_vram|mem_total gtt|";
  return kKeys.find("|" + key + "|") != std::string::npos;
}

bool parse_line(const std::string& line, Script& state) {
  std::istringstream in(line.substr(0, line.find('#')));
  std::string word, index, key;
  if (!(in >> word)) return true;
  std::string rest;
  if (word == "abi") {
    std::string generation, extra;
    if (!(in >> generation) || (in >> extra) || (generation != "5" && generation != "6")) {
      return false;
    }
    state.abi = generation == "5" ? 5 : 6;
    return true;
  }
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

}  // namespace

rsmi_status_t load_script(Script& script) {
  script = Script{};
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
    if (!parse_line(line, script)) {
      std::fprintf(stderr, "fake_rocm_smi: %s:%d: cannot parse '%s'\n", path, line_no,
                   line.c_str());
      return RSMI_STATUS_INTERNAL_EXCEPTION;
    }
  }
  return RSMI_STATUS_SUCCESS;
}

std::uint64_t number(const std::string& token) { return std::strtoull(token.c_str(), nullptr, 0); }

rsmi_dev_perf_level_t perf_level(const std::string& token) {
  for (const auto& [name, level] : kPerfLevels) {
    if (token == name) return level;
  }
  return static_cast<rsmi_dev_perf_level_t>(number(token));
}

}  // namespace fake_rocm_smi
