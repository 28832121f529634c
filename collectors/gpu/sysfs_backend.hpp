#pragma once
// The sysfs GPU backend: reads amdgpu's sysfs attributes, its hwmon and the KFD topology under
// a configurable sysfs root (no ROCm needed). Not thread-safe, like every GpuBackend.
#include <cstddef>
#include <filesystem>
#include <memory>

#include "collectors/gpu/backend.hpp"

namespace llmon::gpu {

// Nothing is read until the first read_devices() / read_fast(), which throw std::runtime_error
// when {sysfs_root}/class/drm cannot be listed.
std::unique_ptr<GpuBackend> make_sysfs_backend(std::filesystem::path sysfs_root);

// How many AMD GPUs sysfs shows under the root (for the "auto" backend choice); 0 when there
// are none or the root is unreadable. Never throws.
std::size_t count_sysfs_gpus(const std::filesystem::path& sysfs_root);

}  // namespace llmon::gpu
