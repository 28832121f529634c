#pragma once
// HttpLimits: the resource bounds the metrics HTTP server enforces per client. Plain value type.
#include <chrono>
#include <cstddef>

namespace llmon {

struct HttpLimits {
  std::size_t max_header_bytes = 8 * 1024;          // larger request heads get 431
  std::size_t max_body_bytes = 4 * 1024;            // a scrape has no body; larger ones get 413
  std::chrono::milliseconds read_timeout{10'000};   // to receive one whole request (and, on a
                                                    // new connection, the TLS handshake)
  std::chrono::milliseconds idle_timeout{60'000};   // keep-alive wait for the next request
  std::chrono::milliseconds write_timeout{30'000};  // to send one response
  // At most this many connections are open at once, so that a flood cannot exhaust the daemon's
  // file descriptors. A new connection beyond a cap takes the place of a reclaimable one (see
  // ConnectionTable); only when none is reclaimable is it closed at once.
  std::size_t max_connections = 512;
  // At most this many from one client address (IPv4 address, or IPv6 /64 prefix).
  std::size_t max_connections_per_client = 64;
  // Under pressure (3/4 of a cap in use), a connection going idle waits this long for its next
  // request instead of idle_timeout.
  std::chrono::milliseconds pressure_idle_timeout{5'000};
  // To make room, connections that have not completed their TLS handshake or request head are
  // taken oldest first, counted from this long after they opened (so connections idle for
  // longer go before them)...
  std::chrono::milliseconds reclaim_after{1'000};
  // ... and a response write that has made no progress for this long (one that progresses is
  // never cut off).
  std::chrono::milliseconds stalled_write_after{5'000};
};

}  // namespace llmon
