#include "collectors/tuning/checks.hpp"

#include <cmath>
#include <cstdio>

#include "collectors/tuning/check_support.hpp"

namespace llmon::tuning {

namespace detail {

CheckResult result(std::string_view check, const std::string& instance, CheckState state) {
  CheckResult r;
  r.check = std::string(check);
  r.instance = instance;
  r.state = state;
  return r;
}

CheckResult unknown(std::string_view check, const std::string& instance, std::string reason) {
  CheckResult r = result(check, instance, CheckState::kUnknown);
  r.unknown_reason = std::move(reason);
  return r;
}

std::string short_unit(const std::string& unit) {
  constexpr std::string_view kSuffix = ".service";
  if (unit.size() > kSuffix.size() &&
      unit.compare(unit.size() - kSuffix.size(), kSuffix.size(), kSuffix) == 0) {
    return unit.substr(0, unit.size() - kSuffix.size());
  }
  return unit;
}

std::string reload_and_restart(const std::string& unit) {
  return "sudo systemctl daemon-reload && sudo systemctl restart " + short_unit(unit);
}

std::string no_server_reason(const InstanceView& instance) {
  if (!instance.server_error.empty()) return instance.server_error;
  return "the Ollama server process of \"" + instance.name + "\" was not found";
}

std::string ollama_clean(std::string_view value) {
  constexpr std::string_view kTrim = "\"' ";
  const std::size_t begin = value.find_first_not_of(kTrim);
  if (begin == std::string_view::npos) return {};
  const std::size_t end = value.find_last_not_of(kTrim);
  return std::string(value.substr(begin, end - begin + 1));
}

std::string assignment(const std::string& name, const std::optional<std::string>& value) {
  return value ? name + "=" + *value : name + " unset";
}

}  // namespace detail

const char* state_name(CheckState state) {
  switch (state) {
    case CheckState::kOk:
      return "ok";
    case CheckState::kDrift:
      return "drift";
    case CheckState::kUnknown:
      break;
  }
  return "unknown";
}

std::optional<EffectiveEnvironment> effective_environment(const InstanceView& instance) {
  if (instance.server && instance.server->environ) {
    return EffectiveEnvironment{*instance.server->environ, true};
  }
  if (instance.unit && instance.unit->found) {
    return EffectiveEnvironment{instance.unit->environment, false};
  }
  return std::nullopt;
}

std::vector<CheckResult> check_instance(const InstanceView& i, const HostView& host, double now) {
  std::vector<CheckResult> out;
  auto add = [&](std::optional<CheckResult> r) {
    if (r) out.push_back(std::move(*r));
  };
  add(check_restart_pending(i, now));
  add(check_env_mismatch(i));
  add(check_expect_mismatch(i));
  add(check_not_under_unit(i));
  add(check_gfx_override(i, host));
  add(check_unknown_variable(i));
  add(check_bad_boolean(i));
  add(check_parallel_mismatch(i));
  add(check_cpu_fallback(i, host));
  add(check_model_too_large(i, host));
  return out;
}

std::vector<CheckResult> check_host(const HostView& host) {
  std::vector<CheckResult> out;
  if (auto r = check_gtt_limit(host)) out.push_back(std::move(*r));
  if (auto r = check_performance_level(host)) out.push_back(std::move(*r));
  return out;
}

std::string format_age(double seconds) {
  char text[32];
  const double s = std::fabs(seconds);
  if (s < 90) {
    std::snprintf(text, sizeof text, "%.0f s", s);
  } else if (s < 90 * 60) {
    std::snprintf(text, sizeof text, "%.0f min", s / 60);
  } else if (s < 48 * 3600) {
    std::snprintf(text, sizeof text, "%.1f h", s / 3600);
  } else {
    std::snprintf(text, sizeof text, "%.1f days", s / 86400);
  }
  return text;
}

std::string format_gb(double bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f GB", bytes / 1e9);
  return text;
}

std::string format_gib(double bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f GiB", bytes / (1024.0 * 1024 * 1024));
  return text;
}

}  // namespace llmon::tuning
