#pragma once
// Where the daemon's configuration comes from, and the command-line overrides on top of it.
#include <filesystem>
#include <optional>
#include <string>

#include "common/metrics.hpp"
#include "daemon/config.hpp"
#include "daemon/options.hpp"

namespace llmon {

struct ConfigSource {
  std::optional<std::filesystem::path> explicit_path;  // --config
  std::filesystem::path default_path = kDefaultConfigPath;
  std::optional<std::string> listen_override;
  std::optional<std::string> log_level_override;

  static ConfigSource from(const Options& options);
  // Reads the configuration: an explicitly named file must exist; the default file may be
  // missing (built-in defaults). Overrides are applied and validated. Stateless.
  Expected<Config> load() const;
  // The file load() reads, or empty when running on built-in defaults.
  std::string describe() const;
};

// Slot of the snapshot store holding the families below.
inline constexpr const char* kSelfSlot = "llmon.self";

// llmon_build_info and the llmon_config_* reload metrics.
MetricFamilies self_families(bool last_reload_ok, std::optional<double> last_reload_success);

}  // namespace llmon
