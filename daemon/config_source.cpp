#include "daemon/config_source.hpp"

#include <system_error>

#include "common/log.hpp"
#include "exporters/listen_address.hpp"
#include "llmon/version.hpp"

namespace llmon {

ConfigSource ConfigSource::from(const Options& options) {
  ConfigSource s;
  if (options.config_path) s.explicit_path = *options.config_path;
  s.listen_override = options.listen;
  s.log_level_override = options.log_level;
  return s;
}

std::string ConfigSource::describe() const {
  if (explicit_path) return explicit_path->string();
  std::error_code ec;
  if (std::filesystem::exists(default_path, ec)) return default_path.string();
  return "";
}

Expected<Config> ConfigSource::load() const {
  Config config;
  const std::string path = describe();
  if (!path.empty()) {
    auto loaded = load_config(path);
    if (!loaded) return loaded.error();
    config = std::move(loaded).value();
  }
  if (listen_override) {
    if (auto ep = parse_listen_address(*listen_override); !ep) {
      return make_error("--listen: " + ep.error().message);
    }
    config.web.listen = *listen_override;
  }
  if (log_level_override) {
    if (auto level = parse_log_level(*log_level_override); !level) {
      return make_error("--log-level: " + level.error().message);
    }
    config.log.level = *log_level_override;
  }
  return config;
}

MetricFamilies self_families(bool last_reload_ok, std::optional<double> last_reload_success) {
  FamilySet set;
  set.gauge("llmon_build_info", "llmon's version and git revision; always 1.",
            {{"version", kVersion}, {"revision", kRevision}}, 1.0);
  set.gauge("llmon_config_last_reload_successful",
            "1 when the last configuration load (start-up or SIGHUP) succeeded.", {},
            last_reload_ok ? 1.0 : 0.0);
  set.gauge("llmon_config_last_reload_success_timestamp_seconds",
            "Unix time of the last successful configuration load.", {}, last_reload_success);
  return set.take();
}

}  // namespace llmon
