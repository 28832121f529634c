#pragma once
// The systemd notification protocol (sd_notify(3), sd_watchdog_enabled(3)) without libsystemd:
// one datagram to the AF_UNIX socket named by $NOTIFY_SOCKET ("/path" or "@abstract"), and the
// watchdog interval from $WATCHDOG_USEC/$WATCHDOG_PID. Linking libsystemd for this alone would
// map it and its compression and crypto libraries, about 1 MiB of resident memory.
// Thread-safe (no shared state; reads the environment only).
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string_view>

namespace llmon {

// Sends `state` ("READY=1", "RELOADING=1\nMONOTONIC_USEC=...", "STATUS=..."); false when not
// run by systemd (no $NOTIFY_SOCKET) or when sending failed.
bool sd_notify_send(std::string_view state);

// The watchdog interval systemd asks this process for (WatchdogSec=), as sd_watchdog_enabled
// decides it: WATCHDOG_USEC a positive decimal, and WATCHDOG_PID, when set, this process's pid.
// Null values are unset variables.
std::optional<std::chrono::microseconds> parse_watchdog(const char* usec, const char* pid,
                                                        pid_t self);

// parse_watchdog of this process's environment; nullopt when there is no watchdog.
std::optional<std::chrono::microseconds> sd_watchdog_interval();

}  // namespace llmon
