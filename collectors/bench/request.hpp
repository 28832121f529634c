#pragma once
// Request bodies for one benchmark prompt against Ollama's /api/generate or /api/chat.
// Pure functions; make_nonce mutates only the generator it is given (one per thread).
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "collectors/bench/suite.hpp"

namespace llmon::bench {

// 8 lowercase hex digits. Prefixed to every prompt so that Ollama's prompt (KV) cache, which
// reuses the longest matching prefix, cannot skip the prompt evaluation we want to measure.
std::string make_nonce(std::mt19937_64& rng);

// The streaming JSON body. Options are exactly num_predict, temperature, seed and, only when
// given and positive, num_ctx: any other runner option differs from the loaded model's and forces a
// reload. Never sends keep_alive, because an explicit value would persist for every other client.
// p.api "chat" gives a /api/chat body, anything else a /api/generate body. `think`: the value
// of the "think" field (think_value(): "false"/"true" as booleans, levels as strings), or empty
// to send none.
std::string build_request_body(const BenchPrompt& p, const std::string& model,
                               std::optional<std::int64_t> num_ctx, const std::string& nonce,
                               std::string_view think = {});

// "/api/chat" when p.api is "chat", else "/api/generate" (the same rule as the body).
std::string api_path(const BenchPrompt& p);

}  // namespace llmon::bench
