#pragma once
// The script the fake librocm_smi64 answers from (format in README.md), parsed from the file
// named by $FAKE_ROCM_SMI_SCRIPT. Plain data and stateless functions; not synchronised.
#include <rocm_smi/rocm_smi.h>

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace fake_rocm_smi {

// One scripted answer: a status, and on success the values the call reports.
struct Answer {
  rsmi_status_t status = RSMI_STATUS_SUCCESS;
  std::vector<std::string> values;
};

// Everything a script can say; the defaults are what the fake does without one.
struct Script {
  rsmi_status_t init_status = RSMI_STATUS_SUCCESS;
  // The library generation the script was written for (`abi 5|6`); 0 when it does not say.
  int abi = 0;
  // What Debian's 5.2.3 and ROCm 7.2 both answer: the number is a build tag, not the ABI.
  Answer version{RSMI_STATUS_SUCCESS, {"1", "0", "0"}};
  Answer devices{RSMI_STATUS_SUCCESS, {"0"}};
  std::map<std::pair<std::uint32_t, std::string>, Answer> dev;  // (index, "temp edge") -> answer
};

// Parses $FAKE_ROCM_SMI_SCRIPT into `script` (defaults when the variable is unset or empty).
// RSMI_STATUS_FILE_ERROR when the file cannot be read, RSMI_STATUS_INTERNAL_EXCEPTION when a
// line does not parse; both also say why on stderr, since a silent fake hides test mistakes.
rsmi_status_t load_script(Script& script);

// A scripted number: decimal or 0x hex.
std::uint64_t number(const std::string& token);
// A perf_level value: an rsmi_dev_perf_level_t name without its prefix, or a number.
rsmi_dev_perf_level_t perf_level(const std::string& token);

}  // namespace fake_rocm_smi
