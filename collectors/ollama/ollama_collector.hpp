#pragma once
// The Ollama collectors: one per [[ollama]] instance, each polling its instance asynchronously
// on the network thread (an instance that is down never stalls another).
#include <memory>
#include <vector>

#include "collectors/collector.hpp"
#include "collectors/services.hpp"
#include "collectors/sources_config.hpp"

namespace llmon::ollama {

// Each collector publishes what it saw to services.ollama.
std::vector<std::unique_ptr<Collector>> make_ollama_collectors(const SourcesConfig& config,
                                                               Services& services);

}  // namespace llmon::ollama
