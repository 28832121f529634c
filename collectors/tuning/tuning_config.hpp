#pragma once
// TuningConfig: the [tuning] section and [tuning.expect] (defaults here, once), the reader and
// the printer. Plain value type.
#include <filesystem>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "common/config_reader.hpp"
#include "common/duration.hpp"

namespace llmon {

struct TuningConfig {
  bool enabled = true;  // reading a few files is cheap; false disables every check
  Duration interval = std::chrono::seconds(30);
  // systemd's system unit search path as systemd 252 builds it (lookup_paths_init), highest
  // precedence first; Debian's build puts /lib before /usr/lib.
  std::vector<std::filesystem::path> unit_dirs{
      "/etc/systemd/system.control", "/run/systemd/system.control",
      "/run/systemd/transient",      "/run/systemd/generator.early",
      "/etc/systemd/system",         "/etc/systemd/system.attached",
      "/run/systemd/system",         "/run/systemd/system.attached",
      "/run/systemd/generator",      "/usr/local/lib/systemd/system",
      "/lib/systemd/system",         "/usr/lib/systemd/system",
      "/run/systemd/generator.late"};
  // Where absolute paths named inside unit files (EnvironmentFile=) are read; tests point it at
  // a fixture tree.
  std::filesystem::path root = "/";
  // The system bus; "" never talks to systemd (the checks then rely on files alone).
  std::string dbus_address = "unix:path=/run/dbus/system_bus_socket";
  // power_dpm_force_performance_level every GPU should have; "" disables that check.
  std::string expected_performance_level = "auto";
  // [tuning.expect]: variables the Ollama servers must run with.
  std::map<std::string, std::string> expect;
};

void read_tuning_config(const TableReader& t, TuningConfig& tuning);
void render_tuning_config(std::ostream& out, const TuningConfig& tuning);

}  // namespace llmon
