#pragma once
// How many models of one Ollama instance llmon exports (docs/metrics.md, "Bounds"): a server
// listing thousands cannot make the exposition, or llmon's memory, grow with it. Pure function.
#include <cstddef>
#include <vector>

#include "collectors/ollama/api.hpp"

namespace llmon::ollama {

// Real boxes load a handful (OLLAMA_MAX_LOADED_MODELS defaults to 3 per GPU); 64 leaves room
// for any of them while bounding the series per instance.
inline constexpr std::size_t kMaxLoadedModels = 64;
// Models whose load and unload counters are kept, loaded or not (LoadTracker).
inline constexpr std::size_t kMaxTrackedModels = 4 * kMaxLoadedModels;

// Keeps the `limit` entries whose names sort first (byte order; the first of entries with one
// name), in their /api/ps order, and returns how many were left out. Independent of the order
// the server lists them in, so the same models stay exported from poll to poll.
std::size_t keep_first_models(std::vector<LoadedModel>& loaded,
                              std::size_t limit = kMaxLoadedModels);

}  // namespace llmon::ollama
