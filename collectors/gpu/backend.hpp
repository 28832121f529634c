#pragma once
// GpuBackend: one way of reading AMD GPUs (sysfs or rocm_smi) behind one interface.
// Not thread-safe: the GPU collector serialises every call with its own mutex.
#include <memory>
#include <string>
#include <vector>

#include "collectors/gpu/gpu_device.hpp"

namespace llmon::gpu {

class GpuBackend {
 public:
  virtual ~GpuBackend() = default;
  // Value of the `backend` label: "sysfs" | "rocm_smi".
  virtual std::string name() const = 0;
  // Every GPU, sorted by PCI bus id. Throws std::runtime_error on a failure that makes the
  // whole reading meaningless (library gone, root unreadable); a single unreadable value is
  // simply absent, and a device that vanished mid-read is left out.
  virtual std::vector<GpuDevice> read_devices() = 0;
  // Busy ratio and power only, for the fast sampler. Same error contract.
  virtual std::vector<FastSample> read_fast() = 0;
};

}  // namespace llmon::gpu
