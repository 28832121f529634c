#pragma once
// make_rocm_smi_backend: the GpuBackend that reads AMD GPUs through librocm_smi64, loaded with
// dlopen() at run time so one binary runs with or without ROCm installed.
// The backend it returns is not thread-safe: the GPU collector serialises every call.
#include <filesystem>
#include <memory>
#include <string>

#include "collectors/gpu/backend.hpp"
#include "collectors/gpu/rocm_smi_mutex.hpp"
#include "common/result.hpp"

namespace llmon::gpu {

// Loads `library` (a path or a soname such as "librocm_smi64.so.1"), calls rsmi_init(0) and
// reads each GPU's identity once. `sysfs_root` ("/sys" outside tests) supplies what rocm_smi 5.x
// has no call for (the drm card name, the KFD gfx target; left empty when not found) and what
// no library generation can be trusted to read without aborting the process (the clocks).
// Errors: the library cannot be loaded, lacks a required symbol, a stale mutex of the library
// under host.shm_dir would make rsmi_init fail or hang (rsmi_init is then not called; the
// message names the file and what to do), or rsmi_init fails. Zero GPUs is not an error: the
// backend then reports none and the caller decides what that means.
Expected<std::unique_ptr<GpuBackend>> make_rocm_smi_backend(const std::string& library,
                                                            const std::filesystem::path& sysfs_root,
                                                            const RocmSmiHost& host = {});

// Whether `library` loads at all (nothing in it is called): "not installed" is the normal case
// on a box without ROCm, unlike any later failure.
bool rocm_smi_installed(const std::string& library);

}  // namespace llmon::gpu
