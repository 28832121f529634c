#pragma once
// How a benchmark prompts a thinking model: what /api/show says the model can do, and the
// `think` value to send for a prompt's setting. Pure functions.
#include <optional>
#include <string>

#include "collectors/ollama/api.hpp"

namespace llmon::bench {

// What a cycle learns about a model from /api/show (defaults: an old server that says nothing).
struct ModelTraits {
  bool can_generate = true;  // false for embedding-only models: nothing to benchmark
  bool thinking = false;     // the `thinking` capability: Ollama 0.12.4+ thinks unless told not to
  // Takes thinking levels and cannot stop thinking (gpt-oss: harmony format): `think: false` is
  // ignored, "low" is the least it does, booleans other than true mean nothing to it.
  bool think_levels = false;
};

ModelTraits model_traits(const ollama::ShowInfo& show);

// The settings [[bench.prompt]] think accepts; absent means "the lowest the model accepts".
inline constexpr const char* kThinkSettings[] = {"false", "true", "low", "medium", "high"};

// The request's "think" value for a prompt's setting ("false", "true", "low", "medium",
// "high"; nullopt: the default) on a model: empty (send nothing) for a model without the
// thinking capability; otherwise what that model accepts nearest to the setting:
//   default, false: false, or "low" for a levels-only model (it cannot stop thinking);
//   true: true (Ollama's level "medium" on a levels-only model);
//   low, medium, high: the level on a levels-only model, true on others (Ollama 0.12 rejects
//   levels there with 400, later versions only turn thinking on).
std::string think_value(const std::optional<std::string>& setting, const ModelTraits& model);

}  // namespace llmon::bench
