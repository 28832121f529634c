#pragma once
// The JSON bodies of Ollama's API, built as pure functions of the scenario and of explicit
// inputs (times, metrics), so they can be tested without a server. Field names, order, types and
// omitted fields follow Ollama's api/types.go. Thread-safe (no state).
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "go_time.hpp"
#include "scenario.hpp"

namespace fake_ollama {

// api.Metrics: every field is `omitempty`, so zero values are left out.
struct Metrics {
  Nanos total_duration = 0;
  Nanos load_duration = 0;
  std::int64_t prompt_eval_count = 0;
  Nanos prompt_eval_duration = 0;
  std::int64_t eval_count = 0;
  Nanos eval_duration = 0;
};
void add_metrics(boost::json::object& out, const Metrics& m);

// --- listings ---

// api.ModelDetails.
boost::json::object details_json(const ModelSpec& model);
// The zone offset timestamps are written with: the scenario's, else the local zone's at `t`.
int offset_for(const ServerSpec& server, WallTime t);
// GET /api/tags: most recently modified first.
boost::json::object tags_json(const Scenario& scenario);

// One /api/ps entry's inputs.
struct RunningModel {
  const ModelSpec* spec = nullptr;
  std::int64_t context_length = 0;
  WallTime expires_at;
};
// GET /api/ps: longest time to expiry first.
boost::json::object ps_json(const ServerSpec& server, std::vector<RunningModel> running);
// What a model occupies when run with `context_length`: the KV cache part of running_size scales
// with the context; the share on the GPU stays as the scenario says.
struct Footprint {
  std::int64_t size = 0;
  std::int64_t size_vram = 0;
};
Footprint footprint(const ModelSpec& model, std::int64_t context_length);

// POST /api/show.
boost::json::object show_json(const ServerSpec& server, const ModelSpec& model);

// --- generation ---

enum class Endpoint { kGenerate, kChat };

// Token count Ollama would report for a prompt: deterministic, ceil(bytes / 4).
std::int64_t prompt_tokens(std::string_view text);
// Duration of `tokens` at `per_second`, in whole nanoseconds.
Nanos tokens_duration(std::int64_t tokens, double per_second);

struct Token {
  std::string text;
  bool thinking = false;
};
struct Answer {
  std::vector<Token> tokens;  // thinking tokens first, then the response
  std::string done_reason;    // "stop", or "length" when num_predict cut it short
};
// What the model answers `prompt`: `thinking` first (empty: the model does not think), then
// the first matching reply rule or the model's response, as word tokens (" word"), repeated or
// cut to eval_count; the whole capped by num_predict (<= 0: no cap), thinking included.
Answer plan_answer(const ModelSpec& model, std::string_view prompt, std::string_view thinking,
                   std::int64_t num_predict);
// Splits text into tokens that concatenate back to it: each word with its leading whitespace.
std::vector<std::string> word_tokens(std::string_view text);
// The "context" array of a non-raw generate: `count` stable fake token ids.
boost::json::array fake_context(std::int64_t count);

// A streamed chunk: {"model","created_at","response"|"message",...,"done":false}.
boost::json::object stream_chunk(Endpoint endpoint, std::string_view model,
                                 std::string_view created_at, const Token& token);

struct FinalParts {
  std::string done_reason;
  Metrics metrics;
  std::optional<boost::json::array> context;  // generate only
  std::string response;                       // the whole text when not streaming; "" ends a stream
  std::string thinking;                       // likewise
};
// The final object: done true, done_reason, metrics (zeros omitted), context for generate.
boost::json::object final_chunk(Endpoint endpoint, std::string_view model,
                                std::string_view created_at, const FinalParts& parts);
// The answer to an empty prompt / empty messages: done_reason "load" or "unload", no metrics.
boost::json::object lifecycle_reply(Endpoint endpoint, std::string_view model,
                                    std::string_view created_at, std::string_view done_reason);

}  // namespace fake_ollama
