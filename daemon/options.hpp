#pragma once
// Parsed command line of `llmon`. Plain value type; parse_options is pure.
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace llmon {

struct Options {
  enum class Command { kServe, kCheckConfig, kCollect, kVersion, kHelp };
  Command command = Command::kHelp;
  std::optional<std::string> config_path;  // --config, or check-config's FILE
  std::optional<std::string> listen;       // --listen override (serve)
  std::optional<std::string> log_level;    // --log-level override (serve)
};

// args excludes argv[0]. An error message names the offending argument.
Expected<Options> parse_options(const std::vector<std::string>& args);

std::string usage_text();

}  // namespace llmon
