#pragma once
// Snapshot: one rendered exposition (text and its gzip), immutable once published, so the HTTP
// server can hand its bytes to any number of concurrent scrapes without copying or locking.
#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace llmon {

struct Snapshot {
  std::string text;  // Prometheus text format 0.0.4
  std::string gzip;  // the same bytes, gzip-compressed
  std::uint64_t generation = 0;
};

using SnapshotPtr = std::shared_ptr<const Snapshot>;
// Returns the latest snapshot; must be cheap (a pointer copy) and thread-safe.
using SnapshotSource = std::function<SnapshotPtr()>;

inline constexpr const char* kExpositionContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace llmon
