#pragma once
// ProcessCollector: llmon's own process_* metrics (the names every Prometheus client library
// uses), read from {procfs_root}/self. Not thread-safe; the scheduler never overlaps runs.
#include <filesystem>
#include <memory>

#include "collectors/collector.hpp"

namespace llmon {

// llmon reads its own process through the real /proc, never through host.procfs_root (which
// may point at a host's /proc mounted into a container, or at a test fixture).
inline constexpr const char* kSelfProcfsRoot = "/proc";

std::unique_ptr<Collector> make_process_collector(std::filesystem::path procfs_root,
                                                  Duration interval);

}  // namespace llmon
