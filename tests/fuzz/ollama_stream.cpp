// The NDJSON body of a streamed /api/generate or /api/chat, split into pieces where the input
// says (as TCP would split it), and the same bytes as one non-streamed response.
#include <chrono>

#include "collectors/bench/measure.hpp"
#include "tests/fuzz/fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace llmon;
  using Clock = bench::StreamMeasurer::Clock;
  if (size < 1) return 0;
  // The first byte chooses the piece size (1..256 bytes) and a small line limit or the default.
  const std::size_t piece = (data[0] & 0x7f) + 1u + (data[0] & 0x80 ? 128u : 0u);
  const std::size_t max_line = (data[0] & 1) ? 64 : std::size_t{1} << 20;
  const std::string_view body = fuzz::as_text(data + 1, size - 1);

  const Clock::time_point start{};
  bench::StreamMeasurer measurer(start, max_line);
  Clock::time_point now = start;
  for (std::size_t at = 0; at < body.size(); at += piece) {
    now += std::chrono::milliseconds(1);
    if (!measurer.feed(body.substr(at, piece), now)) break;
  }
  const bench::Measurement m = measurer.finish();
  const bench::Measurement again = measurer.finish();
  fuzz::check(m.chunks == again.chunks && m.error == again.error, "finish() is idempotent");
  fuzz::check(m.response_text.size() <= bench::Measurement::kMaxResponseText,
              "the kept answer text is bounded");
  fuzz::check(m.response_text.size() <= m.response_bytes, "kept text is part of the answer");
  if (m.error) fuzz::check_error({*m.error});
  for (const auto& rate : {m.eval_tokens_per_second(), m.prompt_tokens_per_second()}) {
    fuzz::check(!rate || *rate >= 0, "a rate is never negative");
  }
  fuzz::check(!m.queue_seconds() || *m.queue_seconds() >= 0, "queue time is never negative");

  const bench::Measurement whole = bench::measure_response(body);
  fuzz::check(whole.response_text.size() <= bench::Measurement::kMaxResponseText,
              "the kept answer text is bounded");
  if (whole.error) fuzz::check_error({*whole.error});
  return 0;
}
