#pragma once
// The collector table: every metric source the daemon knows, built from the configuration.
#include <memory>
#include <vector>

#include "collectors/collector.hpp"
#include "collectors/services.hpp"
#include "collectors/sources_config.hpp"

namespace llmon {

// Builds every enabled collector for `config`, in table order. Stateless; any thread.
std::vector<std::shared_ptr<Collector>> make_collectors(const SourcesConfig& config);

}  // namespace llmon
