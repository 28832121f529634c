// The host checks: the GTT/TTM limit and the GPUs' performance level.
#include <cmath>

#include "collectors/tuning/check_support.hpp"
#include "collectors/tuning/gpu_memory.hpp"

namespace llmon::tuning {

using detail::result;
using detail::unknown;

std::optional<CheckResult> check_gtt_limit(const HostView& h) {
  constexpr std::string_view kCheck = "gtt_limit";
  if (!h.kernel_cmdline && !h.ttm_pages_limit) {
    return unknown(kCheck, "", "neither the kernel command line nor the TTM limit is readable");
  }
  CheckResult r = result(kCheck, "", CheckState::kOk);
  auto drift = [&](std::string expected, std::string actual, std::string evidence,
                   std::string fix) {
    if (r.state != CheckState::kDrift) {
      r.expected = std::move(expected);
      r.actual = std::move(actual);
      r.fix = std::move(fix);
    }
    r.state = CheckState::kDrift;
    r.evidence.push_back(std::move(evidence));
  };
  const GttCmdline cmdline =
      gtt_cmdline(h.kernel_cmdline ? *h.kernel_cmdline : std::vector<KernelParam>{});
  const TtmModule live_module = h.ttm_module.value_or(TtmModule::kTtm);
  const TtmModule other_module =
      live_module == TtmModule::kTtm ? TtmModule::kAmdttm : TtmModule::kTtm;
  const std::string live(ttm_module_name(live_module));
  const std::string other(ttm_module_name(other_module));
  const auto& wrong = cmdline.pages_limit_for(other_module);
  const auto& set = cmdline.pages_limit_for(live_module);
  if (wrong && !set) {
    drift(live + ".pages_limit=" + *wrong, other + ".pages_limit=" + *wrong,
          "the kernel command line sets " + other + ".pages_limit=" + *wrong +
              ", but the TTM limit in use is the " + live + " module's" +
              (live_module == TtmModule::kAmdttm ? " (AMD's DKMS driver)" : ""),
          "use " + live + ".pages_limit=" + *wrong +
              " on the kernel command line (then update-grub, reboot)");
  }
  if (set && h.ttm_pages_limit) {
    const auto pages = parse_kernel_ulong(*set);
    if (!pages || *pages != *h.ttm_pages_limit) {
      drift(live + ".pages_limit=" + *set, std::to_string(*h.ttm_pages_limit) + " pages live",
            "the kernel command line sets " + live + ".pages_limit=" + *set +
                " but the live limit is " + std::to_string(*h.ttm_pages_limit) + " pages",
            "a modprobe.d option or a stale initramfs overrides it: check /etc/modprobe.d, run "
            "sudo update-initramfs -u, reboot");
    }
  }
  if (const auto& v = cmdline.amdgpu_gttsize) {
    drift("ttm.pages_limit only", "amdgpu.gttsize=" + *v,
          "amdgpu.gttsize=" + *v +
              " is on the kernel command line: the driver deprecates it (\"please use "
              "ttm.pages_limit\")",
          "remove amdgpu.gttsize and size the GTT pool with " + live + ".pages_limit");
  }
  if (const auto& v = cmdline.amdgpu_gtt_size) {
    drift("ttm.pages_limit only", "amdgpu.gtt_size=" + *v,
          "amdgpu.gtt_size=" + *v +
              " is on the kernel command line: amdgpu has no such parameter and ignores it",
          "remove it and size the GTT pool with " + live + ".pages_limit");
  }
  if (h.ttm_pages_limit && h.gpus) {
    const double limit = static_cast<double>(*h.ttm_pages_limit) * static_cast<double>(h.page_size);
    for (const GpuView& g : *h.gpus) {
      // On a dGPU the GTT pool is not what holds the models, and amdgpu sizes it differently.
      if (!is_integrated(g) || !g.gtt_total_bytes) continue;
      if (std::fabs(limit - *g.gtt_total_bytes) > 0.01 * *g.gtt_total_bytes) {
        drift(format_gib(limit) + " GTT", format_gib(*g.gtt_total_bytes) + " GTT",
              "the live TTM limit is " + std::to_string(*h.ttm_pages_limit) + " pages (" +
                  format_gib(limit) + ") but GPU " + g.gpu + "'s GTT pool is " +
                  format_gib(*g.gtt_total_bytes),
              "the pool was sized before the limit changed or by amdgpu.gttsize: reboot with " +
                  live + ".pages_limit on the kernel command line");
      } else {
        r.evidence.push_back("GPU " + g.gpu + "'s GTT pool (" + format_gib(*g.gtt_total_bytes) +
                             ") matches the live TTM limit");
      }
    }
  }
  if (r.state == CheckState::kOk && r.evidence.empty()) {
    r.evidence.push_back(
        set ? "the kernel command line's " + live + ".pages_limit=" + *set + " is in effect"
            : "no GTT size on the kernel command line (the driver's default pool)");
  }
  return r;
}

std::optional<CheckResult> check_performance_level(const HostView& h) {
  constexpr std::string_view kCheck = "performance_level";
  if (h.expected_performance_level.empty()) return std::nullopt;
  if (!h.gpus) return unknown(kCheck, "", "the GPUs have not been read yet");
  CheckResult r = result(kCheck, "", CheckState::kOk);
  bool any = false;
  for (const GpuView& g : *h.gpus) {
    if (!g.performance_level) continue;
    any = true;
    if (*g.performance_level == h.expected_performance_level) continue;
    if (r.state == CheckState::kOk) {
      r.state = CheckState::kDrift;
      r.expected = h.expected_performance_level;
      r.actual = "gpu " + g.gpu + ": " + *g.performance_level;
      r.fix = "echo " + h.expected_performance_level + " | sudo tee /sys/class/drm/" +
              (g.card.empty() ? "cardN" : g.card) +
              "/device/power_dpm_force_performance_level, and find what set it (a profiler, a "
              "tuning script, a udev rule)";
    }
    r.evidence.push_back("GPU " + g.gpu + " power_dpm_force_performance_level is " +
                         *g.performance_level + ", expected " + h.expected_performance_level);
  }
  if (!any) return unknown(kCheck, "", "no GPU reports a performance level");
  if (r.state == CheckState::kOk) {
    r.evidence.push_back("every GPU's power_dpm_force_performance_level is " +
                         h.expected_performance_level);
  }
  return r;
}

}  // namespace llmon::tuning
