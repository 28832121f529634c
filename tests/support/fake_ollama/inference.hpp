#pragma once
// POST /api/generate and /api/chat: request validation in the order Ollama's handlers apply it,
// and the timed answer (queue, load, time to first token, tokens per second, streamed as NDJSON
// or sent whole). Runs on the io_context's thread; not thread-safe.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "connection.hpp"
#include "reply.hpp"
#include "responses.hpp"
#include "scenario.hpp"
#include "state.hpp"

namespace fake_ollama {

// A generate or chat request that passed validation.
struct InferenceRequest {
  Endpoint endpoint = Endpoint::kGenerate;
  std::string model;  // as the client wrote it: responses echo it
  const ModelSpec* spec = nullptr;
  std::string prompt;  // what the answer and the token count are derived from
  bool stream = true;
  bool raw = false;
  bool empty = false;  // no prompt / no messages: only load (or unload)
  // What the model thinks before answering (empty: nothing): the scenario's text for the
  // request's think value and level.
  std::string_view thinking;
  std::optional<Nanos> keep_alive;
  std::int64_t num_ctx = 0;       // 0: not in the request, the model's default context
  std::int64_t num_predict = -1;  // <= 0: no cap
};

// `spec` in the result points into `scenario`.
std::variant<InferenceRequest, Reply> parse_inference(const Scenario& scenario, Endpoint endpoint,
                                                      std::string_view body);

// Answers `request` on `conn` through the scheduler. A mid_stream_error `fault` cuts a stream
// after fault->after_chunks chunks by an {"error":...} line; a bogus_metrics one makes the final
// object claim fault->metrics.
void run_inference(State& state, const std::shared_ptr<Connection>& conn, InferenceRequest request,
                   std::optional<FaultSpec> fault);

// The complete answer at once, touching no model state: the body faults distort.
Reply instant_inference(const Scenario& scenario, Endpoint endpoint, std::string_view body);

// From a ready model to the first token: ttft, or the prompt's evaluation time at
// prompt_tokens_per_second when that is longer, so that total_duration always covers
// load_duration + prompt_eval_duration + eval_duration as it does in Ollama.
Nanos first_token_delay(const ModelSpec& model, std::string_view prompt);

// Final metrics for an answer of `eval_count` tokens, given the measured total and load times.
Metrics answer_metrics(const ModelSpec& model, std::string_view prompt, std::int64_t eval_count,
                       Nanos total, Nanos load);

}  // namespace fake_ollama
