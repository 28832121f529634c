#pragma once
// Named spdlog loggers, one per component, all writing to stderr (journald keeps it).
// Thread-safe: spdlog's registry and the *_mt sinks are.
#include <spdlog/spdlog.h>

#include <memory>
#include <string>

#include "common/result.hpp"

namespace llmon {

// Returns the logger named `component`, creating it on first use with the current level.
std::shared_ptr<spdlog::logger> logger(const std::string& component);

// "trace" | "debug" | "info" | "warn" | "error"
Expected<spdlog::level::level_enum> parse_log_level(std::string_view name);

// Applies to every existing and future logger.
void set_log_level(spdlog::level::level_enum level);

}  // namespace llmon
