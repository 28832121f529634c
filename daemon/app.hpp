#pragma once
// The `serve` command: wires configuration -> collectors -> store -> HTTP server, and handles
// SIGHUP (reload), SIGTERM/SIGINT (graceful stop).
#include "daemon/config_source.hpp"

namespace llmon {

// Runs until SIGTERM/SIGINT. Returns 0 on a clean stop, 2 for a bad configuration at start-up,
// 1 when the listen address cannot be bound.
int run_daemon(const ConfigSource& source);

}  // namespace llmon
