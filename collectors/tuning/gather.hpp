#pragma once
// Gathering the views the tuning checks judge: reads procfs, sysfs, unit files and (when a bus
// is configured) systemd over D-Bus, and takes Ollama's and the GPUs' state from the collectors
// that own them. Blocking I/O: call from the worker pool. Stateless; safe from any thread.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "collectors/gpu/gpu_device.hpp"
#include "collectors/ollama/ollama_config.hpp"
#include "collectors/ollama/registry.hpp"
#include "collectors/tuning/tuning_config.hpp"
#include "collectors/tuning/views.hpp"

namespace llmon::tuning {

// The kernel, TTM and GPU side. `devices`: the GPU collector's latest full reading (nullopt
// before its first one).
HostView gather_host(const std::filesystem::path& procfs_root,
                     const std::filesystem::path& sysfs_root,
                     const std::optional<std::vector<gpu::GpuDevice>>& devices,
                     const TuningConfig& config);

// One instance: its server process and runners (procfs), its unit (files and D-Bus), and what
// its Ollama collector last saw (`state`; nullopt when that collector never reported).
InstanceView gather_instance(const OllamaConfig& instance,
                             const std::optional<ollama::InstanceState>& state,
                             const std::filesystem::path& procfs_root, const TuningConfig& config);

// The unit part of gather_instance, for tests: files under config.unit_dirs, then D-Bus.
UnitView gather_unit(const std::string& unit, const TuningConfig& config);

}  // namespace llmon::tuning
