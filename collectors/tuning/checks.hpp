#pragma once
// The tuning-drift checks: pure functions from views of the box to one result per check, each
// OK, DRIFT or UNKNOWN with its evidence and the fix in the user's words. A check that does not
// apply (no unit configured, nothing to expect) gives no result at all. Stateless.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "collectors/tuning/views.hpp"

namespace llmon::tuning {

enum class CheckState { kOk, kDrift, kUnknown };
// "ok" | "drift" | "unknown"
const char* state_name(CheckState state);

struct CheckResult {
  std::string check;     // one of kInstanceChecks / kHostChecks: the `check` label
  std::string instance;  // the `ollama` label; "" for host checks
  CheckState state = CheckState::kUnknown;
  // Short strings for llmon_tuning_drift_info when drifting ("OLLAMA_NUM_PARALLEL=4", "1").
  std::string expected;
  std::string actual;
  std::vector<std::string> evidence;  // what was seen: files, values, times
  std::string fix;                    // what to do, when drifting (or a note when ok)
  std::string unknown_reason;         // why the check could not be made
};

// Every check's name, in the order results and the doctor list them.
inline constexpr std::string_view kInstanceChecks[] = {
    "restart_pending",  "env_mismatch", "expect_mismatch",   "not_under_unit", "gfx_override",
    "unknown_variable", "bad_boolean",  "parallel_mismatch", "cpu_fallback",   "model_too_large"};
inline constexpr std::string_view kHostChecks[] = {"gtt_limit", "performance_level"};

// The checks of one Ollama instance; `host` supplies the GPUs. `now` is unix seconds.
std::vector<CheckResult> check_instance(const InstanceView& instance, const HostView& host,
                                        double now);
// The host checks (no `ollama` label).
std::vector<CheckResult> check_host(const HostView& host);

// The individual checks, for tests; each returns nothing when it does not apply.
std::optional<CheckResult> check_restart_pending(const InstanceView& instance, double now);
std::optional<CheckResult> check_env_mismatch(const InstanceView& instance);
std::optional<CheckResult> check_expect_mismatch(const InstanceView& instance);
std::optional<CheckResult> check_not_under_unit(const InstanceView& instance);
std::optional<CheckResult> check_gfx_override(const InstanceView& instance, const HostView& host);
std::optional<CheckResult> check_unknown_variable(const InstanceView& instance);
std::optional<CheckResult> check_bad_boolean(const InstanceView& instance);
std::optional<CheckResult> check_parallel_mismatch(const InstanceView& instance);
std::optional<CheckResult> check_cpu_fallback(const InstanceView& instance, const HostView& host);
std::optional<CheckResult> check_model_too_large(const InstanceView& instance,
                                                 const HostView& host);
std::optional<CheckResult> check_gtt_limit(const HostView& host);
std::optional<CheckResult> check_performance_level(const HostView& host);

// The environment the checks judge the server by: the process's own when readable, else what
// its unit gives it (origin says which); nullopt when neither is known.
struct EffectiveEnvironment {
  Environment values;
  bool from_process = false;
};
std::optional<EffectiveEnvironment> effective_environment(const InstanceView& instance);

// Human-readable amounts for evidence lines: "12 min", "3.2 h"; "20.1 GB" (decimal, as `ollama
// ps` prints); "96.0 GiB" (binary, as memory pools are sized).
std::string format_age(double seconds);
std::string format_gb(double bytes);
std::string format_gib(double bytes);

}  // namespace llmon::tuning
