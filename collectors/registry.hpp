#pragma once
// The collector table: every metric source the daemon knows, built from the configuration.
#include <memory>
#include <vector>

#include "collectors/collector.hpp"
#include "collectors/services.hpp"
#include "collectors/sources_config.hpp"

namespace llmon {

// kOneShot (`llmon collect`, a node_exporter textfile feed) leaves out llmon's own process_*
// metrics: the reader exports its own under those names, and two sources of the same series
// are a gathering error there.
enum class Purpose { kDaemon, kOneShot };

// Builds every enabled collector for `config`, in table order. The services they share are
// also left in `*services` when given (`llmon doctor` reads them after running collectors).
// Stateless; any thread.
std::vector<std::shared_ptr<Collector>> make_collectors(const SourcesConfig& config,
                                                        Purpose purpose = Purpose::kDaemon,
                                                        Services* services = nullptr);

}  // namespace llmon
