#pragma once
// The systemd notification protocol (sd_notify(3)) without libsystemd: one datagram to the
// AF_UNIX socket named by $NOTIFY_SOCKET ("/path" or "@abstract"). Linking libsystemd for this
// alone would map it and its compression and crypto libraries, about 1 MiB of resident memory.
// Thread-safe (no shared state).
#include <string_view>

namespace llmon {

// Sends `state` ("READY=1", "RELOADING=1\nMONOTONIC_USEC=...", "STATUS=..."); false when not
// run by systemd (no $NOTIFY_SOCKET) or when sending failed.
bool sd_notify_send(std::string_view state);

}  // namespace llmon
