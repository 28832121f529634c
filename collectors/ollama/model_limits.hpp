#pragma once
// How many models of one Ollama instance llmon exports (docs/metrics.md, "Bounds"): a server
// listing thousands cannot make the exposition, or llmon's memory, grow with it.
#include <cstddef>

namespace llmon::ollama {

// /api/ps entries exported per instance (parse_ps with a limit: the first by name). Real boxes
// load a handful (OLLAMA_MAX_LOADED_MODELS defaults to 3 per GPU); 64 leaves room for any of
// them while bounding the series per instance.
inline constexpr std::size_t kMaxLoadedModels = 64;
// Models whose load and unload counters are kept, loaded or not (LoadTracker).
inline constexpr std::size_t kMaxTrackedModels = 4 * kMaxLoadedModels;

}  // namespace llmon::ollama
