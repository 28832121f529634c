#pragma once
// HttpLimits: the resource bounds the metrics HTTP server enforces per client. Plain value type.
#include <chrono>
#include <cstddef>

namespace llmon {

struct HttpLimits {
  std::size_t max_header_bytes = 8 * 1024;          // larger request heads get 431
  std::size_t max_body_bytes = 4 * 1024;            // a scrape has no body; larger ones get 413
  std::chrono::milliseconds read_timeout{10'000};   // to receive one whole request
  std::chrono::milliseconds idle_timeout{60'000};   // keep-alive wait for the next request
  std::chrono::milliseconds write_timeout{30'000};  // to send one response
  // Beyond this many open connections new ones are accepted and closed at once, so that a flood
  // cannot exhaust the daemon's file descriptors.
  std::size_t max_connections = 512;
};

}  // namespace llmon
