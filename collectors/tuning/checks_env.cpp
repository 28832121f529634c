// The checks that judge the variables the server runs with, by what its Ollama version does
// with them.
#include <algorithm>

#include "collectors/tuning/check_support.hpp"
#include "collectors/tuning/gfx_target.hpp"
#include "collectors/tuning/go_env.hpp"
#include "collectors/tuning/gpu_memory.hpp"
#include "collectors/tuning/ollama_env.hpp"

namespace llmon::tuning {

using detail::reload_and_restart;
using detail::result;
using detail::unknown;

namespace {

constexpr std::string_view kOverride = "HSA_OVERRIDE_GFX_VERSION";
constexpr const char* kNoEnvironment = "neither the server's environment nor its unit is known";

// Architectures whose runner Ollama starts with one slot whatever OLLAMA_NUM_PARALLEL says
// (server/sched.go, the numParallel override before loading), plus embedding models.
constexpr std::string_view kSingleSlotFamilies[] = {
    "mllama", "qwen3vl", "qwen3vlmoe", "qwen35",         "qwen35moe",      "qwen3next",
    "lfm2",   "lfm2moe", "nemotron_h", "nemotron_h_moe", "nemotron_h_omni"};

std::optional<OllamaVersion> version_of(const InstanceView& i) {
  return parse_ollama_version(i.version);
}

std::string running(const InstanceView& i) {
  return i.version.empty() ? "this Ollama" : "Ollama " + i.version;
}

// Where to change a variable, for fixes: the unit's drop-in when it came from a unit file.
std::string where_to_edit(const InstanceView& i, const EnvValue& v) {
  if (i.unit_name.empty()) return "where this server is started";
  if (v.origin == "process") return "the environment of " + i.unit_name;
  return v.origin;
}

std::string then_restart(const InstanceView& i) {
  return i.unit_name.empty() ? ", then restart the server"
                             : ", then " + reload_and_restart(i.unit_name);
}

// The GPUs HSA_OVERRIDE_GFX_VERSION[_<n>] applies to: all, or the one with `gpu` label n (the
// rocm_smi/PCI order, which is how ROCm numbers devices on these boxes).
std::vector<const GpuView*> targets_of(std::string_view name, const std::vector<GpuView>& gpus) {
  std::vector<const GpuView*> out;
  const std::string_view suffix =
      name.size() > kOverride.size() + 1 ? name.substr(kOverride.size() + 1) : std::string_view{};
  for (const GpuView& g : gpus) {
    if (g.gfx_target.empty()) continue;
    if (suffix.empty() || g.gpu == suffix) out.push_back(&g);
  }
  return out;
}

}  // namespace

std::optional<CheckResult> check_gfx_override(const InstanceView& i, const HostView& h) {
  constexpr std::string_view kCheck = "gfx_override";
  const auto env = effective_environment(i);
  if (!env) return unknown(kCheck, i.name, kNoEnvironment);
  CheckResult r = result(kCheck, i.name, CheckState::kOk);
  const auto version = version_of(i);
  bool any = false;
  for (const auto& [name, v] : env->values) {
    const bool per_gpu =
        name.size() > kOverride.size() + 1 &&
        name.compare(0, kOverride.size() + 1, std::string(kOverride) + "_") == 0 &&
        name.find_first_not_of("0123456789", kOverride.size() + 1) == std::string::npos;
    if (name != kOverride && !per_gpu) continue;
    any = true;
    if (!h.gpus) return unknown(kCheck, i.name, "the GPUs have not been read yet");
    const auto gpus = targets_of(name, *h.gpus);
    if (gpus.empty())
      return unknown(kCheck, i.name, name + " is set but no GPU reports its target");
    const auto target = hsa_override_target(v.value);
    // Not the structured bindings themselves: clang 14 (the fuzz build) cannot capture them.
    const std::string actual = name + "=" + v.value;
    auto drift = [&](std::string expected, std::string evidence, std::string fix) {
      if (r.state == CheckState::kOk) {
        r.expected = std::move(expected);
        r.actual = actual;
        r.fix = std::move(fix);
      }
      r.state = CheckState::kDrift;
      r.evidence.push_back(std::move(evidence));
    };
    const std::string remove =
        "remove " + name + " (" + where_to_edit(i, v) + ")" + then_restart(i);
    if (!target) {
      drift(name + " unset", name + "=" + v.value + " is not a target Ollama understands (x.y.z)",
            remove);
      continue;
    }
    for (const GpuView* g : gpus) {
      const auto native = parse_gfx_target(g->gfx_target);
      if (!native) continue;
      if (*native == *target) {
        r.evidence.push_back(name + "=" + v.value + " is GPU " + g->gpu + "'s own target (" +
                             g->gfx_target + "): harmless, and not needed");
        continue;
      }
      if (ollama_bundles_rocm_target(*native, version) == false) {
        r.evidence.push_back(g->gfx_target + " is not in " + running(i) + "'s ROCm build: " + name +
                             "=" + v.value + " may be what lets it use GPU " + g->gpu);
        continue;
      }
      std::string why = name + "=" + v.value + " but GPU " + g->gpu + " is " + g->gfx_target +
                        ", which " + running(i) + " supports natively";
      if (is_integrated(*g) && ollama_admits_igpu(*native, version) == true &&
          ollama_admits_igpu(*target, version) == false) {
        why += "; as a " + target->name() +
               " the integrated GPU is not admitted, so every model runs on the CPU";
      }
      drift(name + " unset", why, remove);
    }
  }
  if (!any) r.evidence.push_back(std::string(kOverride) + " is not set");
  return r;
}

std::optional<CheckResult> check_unknown_variable(const InstanceView& i) {
  constexpr std::string_view kCheck = "unknown_variable";
  const auto env = effective_environment(i);
  if (!env) return unknown(kCheck, i.name, kNoEnvironment);
  const auto version = version_of(i);
  CheckResult r = result(kCheck, i.name, CheckState::kOk);
  for (const auto& [name, v] : env->values) {
    const ReadsAnswer a = ollama_version_reads(name, version);
    std::string why;
    std::string fix = "remove it (" + where_to_edit(i, v) + ")";
    switch (a.status) {
      case ReadsStatus::kUnknown:
        why = name + " is not a variable any Ollama version reads";
        if (auto near = suggest_variable(name, version)) {
          why += " (did you mean " + std::string(*near) + "?)";
          fix = "rename it to " + std::string(*near) + " (" + where_to_edit(i, v) + ")";
        }
        break;
      case ReadsStatus::kRemoved:
        why = name + " is no longer read since Ollama " + std::string(a.removed_in) + " (" +
              running(i) + ")";
        break;
      case ReadsStatus::kNotYet:
        why = name + " is first read by Ollama " + std::string(a.since) + "; this server is " +
              i.version;
        fix = "upgrade Ollama, or remove it (" + where_to_edit(i, v) + ")";
        break;
      case ReadsStatus::kNoKnownEffect:
        why = name + " has no known effect: no ROCm component reads it";
        if (a.info && !a.info->note.empty()) why += " (" + std::string(a.info->note) + ")";
        break;
      case ReadsStatus::kReads:
      case ReadsStatus::kUncertain:
        continue;
    }
    if (r.state == CheckState::kOk) {
      r.state = CheckState::kDrift;
      r.expected = "variables Ollama reads";
      r.actual = name;
      r.fix = fix + then_restart(i);
    }
    r.evidence.push_back(why);
  }
  if (r.state == CheckState::kOk) {
    r.evidence.push_back("every OLLAMA_* variable is one " + running(i) + " reads");
  }
  return r;
}

std::optional<CheckResult> check_bad_boolean(const InstanceView& i) {
  constexpr std::string_view kCheck = "bad_boolean";
  const auto env = effective_environment(i);
  if (!env) return unknown(kCheck, i.name, kNoEnvironment);
  const auto version = version_of(i);
  CheckResult r = result(kCheck, i.name, CheckState::kOk);
  for (const auto& [name, v] : env->values) {
    const auto b = ollama_bool(name, v.value, version);
    if (!b || !b->parse_error) continue;
    if (r.state == CheckState::kOk) {
      r.state = CheckState::kDrift;
      r.expected = name + "=0|1|false|true";
      r.actual = name + "=" + v.value;
      r.fix = "write 1 or true to enable, 0 or false to disable (" + where_to_edit(i, v) + ")" +
              then_restart(i);
    }
    r.evidence.push_back(name + "=" + v.value + ": Go's strconv.ParseBool rejects \"" +
                         std::string(ollama_var_value(v.value)) +
                         "\", and Ollama then treats the variable as true");
  }
  if (r.state == CheckState::kOk) r.evidence.push_back("every boolean OLLAMA_* value parses");
  return r;
}

std::optional<CheckResult> check_parallel_mismatch(const InstanceView& i) {
  constexpr std::string_view kCheck = "parallel_mismatch";
  constexpr std::string_view kVar = "OLLAMA_NUM_PARALLEL";
  const auto env = effective_environment(i);
  if (!env) return unknown(kCheck, i.name, kNoEnvironment);
  const auto version = version_of(i);
  std::optional<std::uint64_t> configured;
  std::string origin = "default";
  if (auto it = env->values.find(std::string(kVar)); it != env->values.end()) {
    configured = go_parse_uint(ollama_var_value(it->second.value));
    origin = it->second.origin;
  } else if (auto d = ollama_default(kVar, version)) {
    configured = go_parse_uint(*d);
  }
  if (!configured || *configured == 0) {
    return unknown(kCheck, i.name,
                   std::string(kVar) + " lets Ollama choose (0, unset before 0.10, or invalid)");
  }
  CheckResult r = result(kCheck, i.name, CheckState::kOk);
  bool measured = false;
  for (const RunnerView& run : i.runners) {
    if (!run.parallel) continue;
    measured = true;
    const std::string who = run.model.empty() ? "runner pid " + std::to_string(run.pid) : run.model;
    if (static_cast<std::uint64_t>(*run.parallel) == *configured) continue;
    const bool single =
        *run.parallel == 1 &&
        (run.embedding || std::find(std::begin(kSingleSlotFamilies), std::end(kSingleSlotFamilies),
                                    run.family) != std::end(kSingleSlotFamilies));
    if (single) {
      r.evidence.push_back(who + " runs with 1 slot: Ollama forces that for " +
                           (run.embedding ? std::string("embedding models")
                                          : "the " + run.family + " architecture"));
      continue;
    }
    if (r.state == CheckState::kOk) {
      r.state = CheckState::kDrift;
      r.expected = std::to_string(*configured);
      r.actual = who + " -np " + std::to_string(*run.parallel);
      r.fix =
          "the runner was started with other settings: unload and reload the model "
          "(ollama stop " +
          (run.model.empty() ? std::string("<model>") : run.model) +
          "), or restart the server if " + std::string(kVar) + " changed";
    }
    r.evidence.push_back(std::string(kVar) + " is " + std::to_string(*configured) + " (" + origin +
                         ") but " + who + " runs with -np " + std::to_string(*run.parallel));
  }
  if (!measured) {
    return unknown(kCheck, i.name,
                   "no model runner shows -np on its command line (Ollama >= 0.30 with a model "
                   "loaded)");
  }
  if (r.state == CheckState::kOk && r.evidence.empty()) {
    r.evidence.push_back("every runner runs with " + std::string(kVar) + "=" +
                         std::to_string(*configured) + " (" + origin + ")");
  }
  return r;
}

}  // namespace llmon::tuning
