#pragma once
// HostCollector: host memory and swap from {procfs_root}/meminfo (unified-memory boxes share
// it with the GPU). Not thread-safe; the scheduler never runs it concurrently.
#include <memory>

#include "collectors/collector.hpp"
#include "collectors/sources_config.hpp"

namespace llmon {

std::unique_ptr<Collector> make_host_collector(const SourcesConfig& config);

}  // namespace llmon
