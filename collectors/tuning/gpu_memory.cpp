#include "collectors/tuning/gpu_memory.hpp"

namespace llmon::tuning {

bool is_integrated(const GpuView& g) {
  constexpr double kGiB = 1024.0 * 1024 * 1024;
  if (!g.vram_total_bytes || !g.gtt_total_bytes) return false;
  return *g.vram_total_bytes <= 4 * kGiB && *g.gtt_total_bytes >= 8 * kGiB &&
         *g.gtt_total_bytes >= 4 * *g.vram_total_bytes;
}

std::optional<double> model_capacity_bytes(const std::vector<GpuView>& gpus) {
  std::optional<double> total;
  for (const GpuView& g : gpus) {
    if (!g.vram_total_bytes) continue;
    total = total.value_or(0) + *g.vram_total_bytes + (is_integrated(g) ? *g.gtt_total_bytes : 0);
  }
  return total;
}

}  // namespace llmon::tuning
