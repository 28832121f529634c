#pragma once
// Services: state that collectors of one configuration share (the benchmarks read the GPU
// counters and what each Ollama instance has loaded). Built by make_collectors; the members are
// thread-safe objects.
#include <memory>

namespace llmon {
namespace gpu {
class GpuMonitor;
}
namespace ollama {
class InstanceRegistry;
}

struct Services {
  std::shared_ptr<gpu::GpuMonitor> gpu;  // null when GPU monitoring is off
  std::shared_ptr<ollama::InstanceRegistry> ollama = nullptr;
};

}  // namespace llmon
