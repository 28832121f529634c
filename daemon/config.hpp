#pragma once
// Config: the daemon's effective configuration, composed of sections that each live next to the
// code they configure ([web] in exporters/, [log] in common/, every source in collectors/).
// Plain value type; the daemon swaps whole Config objects on reload.
#include <filesystem>
#include <string>
#include <string_view>

#include "collectors/sources_config.hpp"
#include "common/log_config.hpp"
#include "common/result.hpp"
#include "exporters/web_config.hpp"

namespace llmon {

struct Config : SourcesConfig {
  WebConfig web;
  LogConfig log;
};

// Where `serve` and `collect` look when no --config is given; a missing file there is fine.
inline constexpr const char* kDefaultConfigPath = "/etc/llmon/llmon.toml";

// Parses TOML text. `source` names the file in error messages ("FILE:LINE:COL: ...").
Expected<Config> parse_config(std::string_view toml_text, const std::string& source);
// Reads and parses a file; a missing or unreadable file is an error.
Expected<Config> load_config(const std::filesystem::path& path);
// The effective configuration as TOML that parse_config accepts (check-config prints it).
std::string render_config(const Config& config);

}  // namespace llmon
