#pragma once
// Helpers for tests that check rendered exposition text.
#include <map>
#include <string>

#include "exporters/snapshot_store.hpp"

namespace llmon::test {

// The families as a scrape would show them (merged, sorted, text format).
inline std::string render(const MetricFamilies& families) {
  std::map<std::string, MetricFamilies> slots{{"test", families}};
  return render_text(merge_and_sort(slots));
}

inline bool has(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

}  // namespace llmon::test
