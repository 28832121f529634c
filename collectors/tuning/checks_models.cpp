// The checks that look at where models sit: on the CPU, or too large for the GPU.
#include <cmath>

#include "collectors/tuning/check_support.hpp"
#include "collectors/tuning/gpu_memory.hpp"

namespace llmon::tuning {

using detail::result;
using detail::unknown;

namespace {

bool has_gpu(const HostView& h) {
  if (!h.gpus) return false;
  for (const GpuView& g : *h.gpus) {
    if (!g.gfx_target.empty() || g.vram_total_bytes) return true;
  }
  return false;
}

// Ollama's PROCESSOR column: round((size - size_vram) / size * 100) % CPU (cmd/cmd.go).
long cpu_percent(const ModelView& m) {
  return std::lround(static_cast<double>(m.size - *m.size_vram) / static_cast<double>(m.size) *
                     100.0);
}

}  // namespace

std::optional<CheckResult> check_cpu_fallback(const InstanceView& i, const HostView& h) {
  constexpr std::string_view kCheck = "cpu_fallback";
  if (!h.gpus) return unknown(kCheck, i.name, "the GPUs have not been read yet");
  if (!has_gpu(h)) return std::nullopt;  // no AMD GPU: everything runs on the CPU by design
  if (!i.up) return unknown(kCheck, i.name, "Ollama is not answering");
  CheckResult r = result(kCheck, i.name, CheckState::kOk);
  std::size_t measured = 0;
  for (const ModelView& m : i.loaded) {
    if (m.size <= 0 || !m.size_vram) continue;  // old servers omit size_vram
    ++measured;
    if (*m.size_vram >= m.size) continue;
    const long cpu = cpu_percent(m);
    if (r.state == CheckState::kOk) {
      r.state = CheckState::kDrift;
      r.expected = m.name + " 100% GPU";
      r.actual = m.name + " " + std::to_string(cpu) + "% CPU";
      r.fix =
          "the model did not fit the GPU or the GPU was not used: check the gfx_override and "
          "gtt_limit checks, free GPU memory (fewer models loaded, smaller OLLAMA_CONTEXT_LENGTH), "
          "then reload the model";
    }
    r.evidence.push_back(m.name + " is " + std::to_string(cpu) + "% on the CPU (" +
                         format_gb(static_cast<double>(m.size)) + " in all, " +
                         format_gb(static_cast<double>(*m.size_vram)) + " on the GPU)");
  }
  if (i.loaded.empty()) r.evidence.push_back("no model is loaded");
  if (r.state == CheckState::kOk && measured > 0) {
    r.evidence.push_back(measured == 1 ? "the loaded model is wholly on the GPU"
                                       : "all " + std::to_string(measured) +
                                             " loaded models are wholly on the GPU");
  }
  if (!i.loaded.empty() && measured == 0) {
    return unknown(kCheck, i.name, "this Ollama version does not report size_vram");
  }
  return r;
}

std::optional<CheckResult> check_model_too_large(const InstanceView& i, const HostView& h) {
  constexpr std::string_view kCheck = "model_too_large";
  if (!h.gpus) return unknown(kCheck, i.name, "the GPUs have not been read yet");
  if (!has_gpu(h)) return std::nullopt;
  const auto capacity = model_capacity_bytes(*h.gpus);
  if (!capacity) return unknown(kCheck, i.name, "no GPU reports its memory size");
  if (!i.up) return unknown(kCheck, i.name, "Ollama is not answering");
  if (!i.largest_available) {
    CheckResult r = result(kCheck, i.name, CheckState::kOk);
    r.evidence.push_back("no model is on disk");
    return r;
  }
  const auto& [name, bytes] = *i.largest_available;
  const std::string sizes = format_gb(static_cast<double>(bytes)) + " of weights, " +
                            format_gb(*capacity) + " of GPU memory (VRAM + GTT of integrated GPUs)";
  if (static_cast<double>(bytes) <= *capacity) {
    CheckResult r = result(kCheck, i.name, CheckState::kOk);
    r.evidence.push_back("the largest model, " + name + ", fits: " + sizes);
    return r;
  }
  CheckResult r = result(kCheck, i.name, CheckState::kDrift);
  r.expected = "largest model <= " + format_gb(*capacity);
  r.actual = name + " " + format_gb(static_cast<double>(bytes));
  r.evidence.push_back(name + " cannot sit on the GPU: " + sizes);
  r.fix =
      "on an APU raise the GTT pool (ttm.pages_limit, see the gtt_limit check) or lower the "
      "BIOS VRAM carve-out; otherwise use a smaller quantisation of " +
      name;
  return r;
}

}  // namespace llmon::tuning
