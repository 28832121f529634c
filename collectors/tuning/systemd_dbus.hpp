#pragma once
// Asking systemd over D-Bus what it has loaded for a unit and how its service runs:
// the facts files alone cannot give (NeedDaemonReload, the loaded environment, the main pid
// and its start time). Each query opens and closes its own connection and blocks for at most
// its timeout, so run it off the network thread; no shared state, safe from any thread. The
// D-Bus client is our own (dbus_connection.hpp, dbus_wire.hpp): no libsystemd.
#include <cstdint>
#include <string>
#include <vector>

#include "common/duration.hpp"
#include "common/result.hpp"

namespace llmon::tuning {

// The system bus as systemd's own tools reach it.
inline constexpr const char* kSystemBusAddress = "unix:path=/run/dbus/system_bus_socket";

struct RuntimeEnvFile {
  std::string path;
  bool optional = false;  // the '-' prefix
};

// Properties of org.freedesktop.systemd1.Unit and .Service (systemd 252,
// org.freedesktop.systemd1(5)), and Manager.UnitsLoadTimestamp. Timestamps are CLOCK_REALTIME
// microseconds, 0 = never.
struct UnitRuntime {
  std::string id;            // Unit.Id: the primary name (aliases resolve to it)
  std::string load_state;    // Unit.LoadState: loaded, not-found, masked, error, ...
  std::string load_error;    // Unit.LoadError message, empty when none
  std::string active_state;  // Unit.ActiveState: active, inactive, failed, ...
  std::string sub_state;     // Unit.SubState: running, dead, ...
  std::string fragment_path;
  std::vector<std::string> dropin_paths;  // in the order systemd applied them
  bool need_daemon_reload = false;        // a file changed on disk since systemd loaded the unit
  // From the Service interface (left empty for units of other types):
  std::vector<std::string> environment;  // Environment= as loaded: "NAME=VALUE"
  std::vector<RuntimeEnvFile> environment_files;
  std::vector<std::string> unset_environment;
  std::string user;                        // User=, empty when unset
  std::string exec_start;                  // program of the first ExecStart= command
  std::uint32_t main_pid = 0;              // 0: no main process
  std::uint64_t exec_main_start_usec = 0;  // when the main process was started
  std::uint64_t units_load_usec = 0;       // Manager.UnitsLoadTimestamp: the last (re)load
};

// Whether this build can talk D-Bus at all: always, since the client is built in (kept so
// callers need not change).
bool dbus_supported();

// Connects to `bus_address` (a D-Bus address such as kSystemBusAddress, or
// "unix:path=/some/socket"), asks systemd to load `unit` (LoadUnit: works for units that are not
// loaded yet; needs no privilege) and reads its properties with one GetAll per interface. An
// error names the step and the D-Bus error ("org.freedesktop.DBus.Error.AccessDenied: ...");
// a reply of an unexpected type is an error, never a crash; nothing takes longer than `timeout`.
Expected<UnitRuntime> query_unit(const std::string& bus_address, const std::string& unit,
                                 Duration timeout);

}  // namespace llmon::tuning
