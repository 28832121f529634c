#include "collectors/tuning/tuning_families.hpp"

#include <set>

#include "collectors/tuning/ollama_env.hpp"

namespace llmon::tuning {

namespace {

Labels scope(const CheckResult& r) {
  Labels l{{"check", r.check}};
  if (!r.instance.empty()) l.emplace_back("ollama", r.instance);
  return l;
}

std::string opt_text(const std::optional<std::int64_t>& v) {
  return v ? std::to_string(*v) : std::string();
}

// A runner's `model` label: its /api/ps name, or its pid when no model matched (several
// unmatched runners must not collide).
std::string runner_label(const RunnerView& r) {
  return r.model.empty() ? "pid " + std::to_string(r.pid) : r.model;
}

}  // namespace

MetricFamilies tuning_families(const Evaluation& e) {
  FamilySet set;
  for (const CheckResult& r : e.results) {
    // Absent when the check could not be made: "unknown" must not read as "ok".
    if (r.state == CheckState::kUnknown) continue;
    set.gauge("llmon_tuning_drift",
              "1 when the check found the set-up drifting from what it should be, 0 when it "
              "matches; absent when the check could not be made.",
              scope(r), r.state == CheckState::kDrift ? 1.0 : 0.0);
    if (r.state != CheckState::kDrift) continue;
    Labels info = scope(r);
    info.emplace_back("expected", r.expected);
    info.emplace_back("actual", r.actual);
    set.gauge("llmon_tuning_drift_info",
              "What a drifting check expected and found, as short strings; always 1.", info, 1.0);
  }
  for (const InstanceView& i : e.instances) {
    // Only the GPU, memory and concurrency variables: a fixed list, so the label set is bounded.
    auto env_info = [&](const Environment& env, const char* source) {
      for (const auto& [name, v] : env) {
        const EnvVarInfo* info = find_env_var(name);
        if (info == nullptr || !info->tuning) continue;
        set.gauge("llmon_ollama_env_info",
                  "A GPU, memory or concurrency variable of the Ollama server: as the running "
                  "process has it (source=\"process\") or as its unit sets it (\"unit\"); "
                  "always 1.",
                  {{"ollama", i.name}, {"var", name}, {"value", v.value}, {"source", source}}, 1.0);
      }
    };
    if (i.server && i.server->environ) env_info(*i.server->environ, "process");
    if (i.unit && i.unit->found) env_info(i.unit->environment, "unit");
    if (i.unit && i.unit->newest_mtime) {
      set.gauge("llmon_ollama_unit_changed_timestamp_seconds",
                "Newest modification time of the instance's systemd unit file, drop-ins and "
                "environment files (unix seconds).",
                {{"ollama", i.name}}, *i.unit->newest_mtime);
    }
    std::set<std::string> seen;
    for (const RunnerView& r : i.runners) {
      const std::string model = runner_label(r);
      if (!seen.insert(model).second) continue;  // two runners of one model: the first
      const Labels ml{{"ollama", i.name}, {"model", model}};
      set.gauge("llmon_ollama_runner_info",
                "What a model runner process really runs with, from its command line (Ollama "
                ">= 0.30); an empty label was not on it. Always 1.",
                {{"ollama", i.name},
                 {"model", model},
                 {"parallel", opt_text(r.parallel)},
                 {"context", opt_text(r.context)},
                 {"flash_attn", r.flash_attn.value_or("")},
                 {"kv_cache_type", r.kv_cache_type.value_or("")}},
                1.0);
      set.gauge("llmon_ollama_runner_resident_memory_bytes",
                "Resident memory of a model runner process (weights on the CPU live here).", ml,
                r.resident_bytes);
      set.counter("llmon_ollama_runner_cpu_seconds_total",
                  "CPU time (user + system) of a model runner process.", ml, r.cpu_seconds);
    }
  }
  if (!e.host.kernel_release.empty()) {
    set.gauge("llmon_host_kernel_info", "The running kernel's release; always 1.",
              {{"release", e.host.kernel_release}}, 1.0);
  }
  if (e.host.ttm_pages_limit) {
    set.gauge("llmon_host_ttm_pages_limit_bytes",
              "The live TTM limit (ttm or amdttm pages_limit x page size): the most memory the "
              "GPU driver may pin, the GTT pool of an APU.",
              {},
              static_cast<double>(*e.host.ttm_pages_limit) * static_cast<double>(e.host.page_size));
  }
  return set.take();
}

}  // namespace llmon::tuning
