#pragma once
// How Ollama sizes the memory of AMD GPUs, for the checks that ask whether models fit. Pure.
#include <optional>
#include <vector>

#include "collectors/tuning/views.hpp"

namespace llmon::tuning {

// Ollama's own test for an integrated GPU (discover/amd.go readROCmDRMDevice, since v0.14.0):
// at most 4 GiB of VRAM, at least 8 GiB of GTT and GTT at least 4x VRAM. Such a GPU's models
// live in GTT; unknown pool sizes count as not integrated.
bool is_integrated(const GpuView& gpu);

// Memory Ollama can put models in: VRAM of every GPU, plus GTT of integrated ones; nullopt
// when no GPU reports its VRAM size.
std::optional<double> model_capacity_bytes(const std::vector<GpuView>& gpus);

}  // namespace llmon::tuning
