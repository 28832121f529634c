#pragma once
// Wall-clock time as Prometheus timestamps want it. Thread-safe.
#include <chrono>

namespace llmon {

// Seconds since the Unix epoch, with sub-second precision.
inline double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace llmon
