#include "collectors/ollama/families.hpp"

#include <algorithm>
#include <limits>

#include "collectors/ollama/model_limits.hpp"

namespace llmon::ollama {

MetricFamilies ollama_families(const PollResult& poll,
                               const std::map<std::string, ModelCounters>& counters, double now) {
  FamilySet set;
  const Labels inst{{"ollama", poll.instance}};
  set.gauge("llmon_ollama_up",
            "1 when the Ollama instance answered /api/version, /api/ps and "
            "/api/tags with valid documents.",
            inst, poll.up ? 1.0 : 0.0);
  if (poll.process) {
    const auto& p = *poll.process;
    set.gauge("llmon_ollama_process_resident_memory_bytes",
              "Resident memory of the Ollama server process.", inst, p.resident_bytes);
    set.counter("llmon_ollama_process_cpu_seconds_total",
                "CPU time (user + system) of the Ollama server process.", inst, p.cpu_seconds);
    set.gauge("llmon_ollama_process_start_time_seconds",
              "Start time of the Ollama server process (unix seconds); a change means a restart.",
              inst, p.start_time_seconds);
  }
  if (!poll.up) return set.take();

  set.gauge("llmon_ollama_info", "Ollama server version; always 1.",
            {{"ollama", poll.instance}, {"version", poll.version}}, 1.0);
  set.gauge("llmon_ollama_models_loaded", "Models loaded in memory (/api/ps).", inst,
            static_cast<double>(poll.loaded.size() + poll.loaded_left_out));
  set.counter("llmon_ollama_dropped_models_total",
              "Models whose series llmon left out: /api/ps entries beyond the first " +
                  std::to_string(kMaxLoadedModels) +
                  " by name (at every poll), and load counters of unloaded models forgotten "
                  "beyond " +
                  std::to_string(kMaxTrackedModels) + " (once each).",
              inst, static_cast<double>(poll.dropped_models_total));
  for (const LoadedModel& m : poll.loaded) {
    const Labels ml{{"ollama", poll.instance}, {"model", m.name}};
    set.gauge("llmon_ollama_model_loaded_info", "A loaded model's details; always 1.",
              {{"ollama", poll.instance},
               {"model", m.name},
               {"family", m.details.family},
               {"parameter_size", m.details.parameter_size},
               {"quantization", m.details.quantization_level},
               {"format", m.details.format},
               {"digest", short_digest(m.digest)}},
              1.0);
    std::optional<double> size, vram, ratio, context, expiry;
    if (m.size > 0) size = static_cast<double>(m.size);
    if (m.size_vram) vram = static_cast<double>(*m.size_vram);
    if (m.size > 0 && m.size_vram) {
      ratio = std::clamp(static_cast<double>(*m.size_vram) / static_cast<double>(m.size), 0.0, 1.0);
    }
    if (m.context_length) context = static_cast<double>(*m.context_length);
    if (m.expires_at) {
      expiry = *m.expires_at - now > kForeverSeconds ? std::numeric_limits<double>::infinity()
                                                     : *m.expires_at;
    }
    set.gauge("llmon_ollama_model_size_bytes",
              "Memory a loaded model takes: weights, KV cache and compute graph.", ml, size);
    set.gauge("llmon_ollama_model_vram_bytes", "Part of the model's memory on the GPU.", ml, vram);
    set.gauge("llmon_ollama_model_gpu_ratio",
              "Share of the model on the GPU (vram / size): below 1 means partly on the CPU, 0 "
              "CPU only.",
              ml, ratio);
    set.gauge("llmon_ollama_model_context_length", "Context length the model was loaded with.", ml,
              context);
    set.gauge("llmon_ollama_model_expiry_timestamp_seconds",
              "When Ollama will unload the model (unix seconds); +Inf when pinned.", ml, expiry);
  }
  for (const auto& [model, c] : counters) {
    const Labels ml{{"ollama", poll.instance}, {"model", model}};
    set.counter("llmon_ollama_model_loads_total",
                "Times the model appeared in /api/ps between two polls.", ml, c.loads);
    set.counter("llmon_ollama_model_unloads_total",
                "Times the model left /api/ps between two polls.", ml, c.unloads);
  }
  if (poll.available) {
    double bytes = 0;
    for (const AvailableModel& m : *poll.available) bytes += static_cast<double>(m.size);
    set.gauge("llmon_ollama_models_available", "Models available on disk (/api/tags).", inst,
              static_cast<double>(poll.available->size()));
    set.gauge("llmon_ollama_models_available_bytes", "Disk size of all available models.", inst,
              bytes);
  }
  return set.take();
}

}  // namespace llmon::ollama
