#pragma once
// Measurement of one benchmark generation, from Ollama's streamed NDJSON (StreamMeasurer,
// not thread-safe: one per request) or from a single non-streamed object (measure_response).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace llmon::bench {

// What a real Ollama can report in a final object; a value outside is not a measurement (a
// broken or hostile server) and is dropped, so it reaches neither the exposition nor the
// baselines. Generous by orders of magnitude: no context window holds 10^8 tokens, a benchmark
// request is cut after bench.timeout (at most an hour), the fastest single streams measured
// anywhere are a few thousand tokens/s, prompt processing a few hundred thousand.
inline constexpr std::int64_t kMaxPlausibleTokens = 100'000'000;
inline constexpr std::int64_t kMaxPlausibleDurationNs = 24LL * 3600 * 1'000'000'000;
inline constexpr double kMaxPlausibleEvalTokensPerSecond = 100'000;
inline constexpr double kMaxPlausiblePromptTokensPerSecond = 10'000'000;
// Texts from the stream (done_reason, an error message) longer than this are kept as their
// label_value (common/label_value.hpp), as the Ollama parsers do (ollama::kMaxTextBytes).
inline constexpr std::size_t kMaxTextBytes = 1024;

struct Measurement {
  // Client side. A "token chunk" is a line whose response / message.content or thinking text is
  // not empty: Ollama sends empty ones (e.g. a first {"response":""}) that are not tokens.
  std::optional<double> ttft_seconds;      // request start -> the first token chunk
  std::optional<double> mean_gap_seconds;  // between consecutive token chunks; needs two
  std::optional<double> max_gap_seconds;
  std::size_t chunks = 0;          // token chunks
  std::size_t response_bytes = 0;  // answer text (response / message.content), not thinking
  std::size_t thinking_bytes = 0;  // thinking text (thinking / message.thinking)
  std::string response_text;       // answer text, cut at kMaxResponseText for the expect check

  // Server side, from the final object. Ollama omits zero-valued fields, so a missing field is
  // absent here, never 0.
  std::optional<std::int64_t> total_duration_ns;
  std::optional<std::int64_t> load_duration_ns;
  std::optional<std::int64_t> prompt_eval_count;
  std::optional<std::int64_t> prompt_eval_duration_ns;
  std::optional<std::int64_t> eval_count;
  std::optional<std::int64_t> eval_duration_ns;
  std::string done_reason;  // "stop", "length", ...; empty when not given; kMaxTextBytes at most
  bool done = false;        // the final ("done":true) object was seen
  // The impossible values the final object claimed (see kMaxPlausible*), which are absent
  // above: "eval_duration 1 ns for 100 tokens (1e+11 tokens/s)"; empty when all were plausible.
  std::string impossible;

  // An {"error":...} line's message, a malformed or oversized line, or a stream that ended
  // before the final object. What was measured before the failure is kept.
  std::optional<std::string> error;

  // The expect check's regex_search tries every start position (time quadratic in the text at
  // worst); 8 KiB keeps a degenerate answer's check in milliseconds and is still several times
  // a 256-token answer.
  static constexpr std::size_t kMaxResponseText = 8 * 1024;

  // eval_count / eval_duration; absent unless both are present and the duration is positive.
  std::optional<double> eval_tokens_per_second() const;
  // prompt_eval_count / prompt_eval_duration, on the same terms.
  std::optional<double> prompt_tokens_per_second() const;
  // Server time not spent loading, evaluating the prompt or generating (waiting for a runner
  // slot, mostly): total - load - prompt_eval - eval, an omitted part counting as 0 (Ollama
  // omits zeros); absent without total_duration; never negative.
  std::optional<double> queue_seconds() const;
};

class StreamMeasurer {
 public:
  using Clock = std::chrono::steady_clock;

  explicit StreamMeasurer(Clock::time_point request_start, std::size_t max_line_bytes = 1 << 20);

  // Raw body bytes as they arrive, split anywhere (mid-line, mid-UTF-8). A line's chunk is
  // timed at the `now` of the piece that completes it. Returns false once reading should stop:
  // the final object or an error line was seen, or a line is malformed or over the limit.
  bool feed(std::string_view piece, Clock::time_point now);

  // At the end of the body: handles a last line without a trailing newline (one that does not
  // parse is a cut-off stream, not a malformed line) and reports a stream that ended without
  // its final object. Idempotent.
  Measurement finish();

 private:
  void handle_line(std::string_view line, Clock::time_point now, bool unterminated = false);
  void fail(std::string message);

  Clock::time_point start_;
  Clock::time_point last_feed_;
  std::size_t max_line_bytes_;
  std::string pending_;  // the incomplete line so far
  std::size_t line_no_ = 0;
  bool stopped_ = false;
  bool finished_ = false;
  std::optional<Clock::time_point> last_token_;
  double gap_sum_ = 0.0;
  std::size_t gaps_ = 0;
  Measurement m_;
};

// The same measurement from a "stream": false response (one JSON object): the server-side
// fields, text and error only, as a whole body says nothing about first-token time or gaps.
Measurement measure_response(std::string_view body);

}  // namespace llmon::bench
