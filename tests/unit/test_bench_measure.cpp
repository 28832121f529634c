// Measuring a streamed answer: TTFT, gaps, Ollama's timings, failures, bounds.
#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include "collectors/bench/measure.hpp"
#include "collectors/bench/suite.hpp"
#include "common/label_value.hpp"

using namespace llmon;
using namespace llmon::bench;

namespace {

using Clock = StreamMeasurer::Clock;
const Clock::time_point kStart{};

Clock::time_point at_ms(int ms) { return kStart + std::chrono::milliseconds(ms); }

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
}

const char* kFinal =
    R"({"model":"m","created_at":"2025-01-01T00:00:00Z","response":"","done":true,)"
    R"("done_reason":"stop","total_duration":5000000000,"load_duration":60000000,)"
    R"("prompt_eval_count":26,"prompt_eval_duration":130000000,"eval_count":290,)"
    R"("eval_duration":4709213000})"
    "\n";

}  // namespace

TEST_CASE("bench measure: split pieces, TTFT from the first token, gaps, exact rates") {
  StreamMeasurer sm(kStart);
  // An empty first chunk (as Ollama sends while the prompt is evaluated) is not a token.
  CHECK(sm.feed("{\"model\":\"m\",\"response\":\"\",\"done\":false}\n{\"resp", at_ms(100)));
  CHECK(sm.feed("onse\":\"Hel\xC3", at_ms(200)));  // split inside the UTF-8 of "é"
  CHECK(sm.feed("\xA9\",\"done\":false}\r\n\n", at_ms(250)));
  CHECK(sm.feed("{\"response\":\" w\",\"done\":false}\n", at_ms(300)));
  CHECK(sm.feed("{\"response\":\"orld\",\"done\":false}\n", at_ms(400)));
  CHECK_FALSE(sm.feed(kFinal, at_ms(450)));
  CHECK_FALSE(sm.feed("{\"response\":\"late\"}\n", at_ms(500)));
  const Measurement m = sm.finish();
  CHECK_FALSE(m.error);
  CHECK(m.done);
  CHECK(m.done_reason == "stop");
  CHECK(m.response_text == "Hel\xC3\xA9 world");
  CHECK(m.response_bytes == m.response_text.size());
  CHECK(m.chunks == 3);
  CHECK(*m.ttft_seconds == doctest::Approx(0.25));
  CHECK(*m.mean_gap_seconds == doctest::Approx(0.075));
  CHECK(*m.max_gap_seconds == doctest::Approx(0.1));
  CHECK(*m.eval_count == 290);
  CHECK(*m.eval_duration_ns == 4709213000);
  CHECK(*m.eval_tokens_per_second() == 290 / 4.709213);
  CHECK(*m.prompt_tokens_per_second() == 26 / 0.13);
  CHECK(*m.load_duration_ns == 60000000);
  CHECK(*m.queue_seconds() == doctest::Approx(0.100787));
}

// Regression: a final chunk claiming a 1 ns generation time made 9.2e27 tokens/s, which went into
// the last-value gauge, the histogram's sum and the baseline.
TEST_CASE("bench measure: impossible values in the final object are not measurements") {
  auto final_with = [](const std::string& fields) {
    StreamMeasurer sm(kStart);
    sm.feed("{\"response\":\"a\",\"done\":false}\n", at_ms(10));
    sm.feed(R"({"response":"","done":true,"done_reason":"stop",)" + fields + "}\n", at_ms(20));
    return sm.finish();
  };
  SUBCASE("1 ns for int64-max tokens") {
    const Measurement m =
        final_with(R"("eval_count":9223372036854775807,"eval_duration":1,"prompt_eval_count":5)");
    CHECK_FALSE(m.error);  // the run itself completed
    CHECK_FALSE(m.eval_count);
    CHECK_FALSE(m.eval_tokens_per_second());
    CHECK(*m.prompt_eval_count == 5);  // what is plausible stays
    CHECK(m.impossible == "eval_count 9223372036854775807 tokens");
  }
  SUBCASE("a plausible count generated in an impossibly short time: the rate is absent") {
    const Measurement m = final_with(R"("eval_count":100,"eval_duration":1)");
    CHECK(*m.eval_count == 100);
    CHECK_FALSE(m.eval_duration_ns);
    CHECK_FALSE(m.eval_tokens_per_second());
    CHECK(m.impossible == "eval_duration 1 ns for 100 tokens (100000000000 tokens/s)");
  }
  SUBCASE("durations beyond a day, prompt processing beyond 10^7 tokens/s") {
    const Measurement m =
        final_with(R"("total_duration":9000000000000000000,"prompt_eval_count":1000,)"
                   R"("prompt_eval_duration":10,"eval_count":10,"eval_duration":100000000)");
    CHECK_FALSE(m.total_duration_ns);
    CHECK_FALSE(m.queue_seconds());
    CHECK_FALSE(m.prompt_tokens_per_second());
    CHECK(*m.eval_tokens_per_second() == 100);
    CHECK(m.impossible ==
          "total_duration 9000000000000000000 ns; prompt_eval_duration 10 ns for 1000 tokens "
          "(100000000000 tokens/s)");
  }
  SUBCASE("the bounds themselves are plausible") {
    const Measurement m = final_with(
        R"("eval_count":100000,"eval_duration":1000000000,"total_duration":86400000000000)");
    CHECK(*m.eval_tokens_per_second() == kMaxPlausibleEvalTokensPerSecond);
    CHECK(*m.total_duration_ns == kMaxPlausibleDurationNs);
    CHECK(m.impossible.empty());
  }
  SUBCASE("a non-streamed response is checked the same way") {
    const Measurement m =
        measure_response(R"({"response":"a","done":true,"eval_count":100,"eval_duration":1})");
    CHECK_FALSE(m.eval_tokens_per_second());
    CHECK_FALSE(m.impossible.empty());
  }
}

TEST_CASE("bench measure: texts from the stream are bounded") {
  const std::string huge(500'000, 'x');
  StreamMeasurer sm(kStart);
  sm.feed(R"({"response":"a","done":true,"done_reason":")" + huge + "\"}\n", at_ms(10));
  const Measurement m = sm.finish();
  CHECK(m.done_reason == label_value(huge));
  StreamMeasurer failing(kStart);
  failing.feed(R"({"error":")" + huge + "\"}\n", at_ms(10));
  CHECK(*failing.finish().error == label_value(huge));
  CHECK(*measure_response(R"({"error":{"nested":")" + huge + "\"}}").error ==
        label_value(R"({"nested":")" + huge + "\"}"));
  CHECK(*measure_response(R"({"error":"model 'x' not found"})").error == "model 'x' not found");
}

TEST_CASE("bench measure: byte-at-a-time feed, thinking counts for TTFT only") {
  const std::string body =
      "{\"response\":\"\",\"thinking\":\"Let me think\",\"done\":false}\n"
      "{\"response\":\"def f():\",\"done\":false}\n"
      R"({"response":"","done":true,"done_reason":"length","total_duration":900000000,)"
      R"("eval_count":4,"eval_duration":500000000})";  // no trailing newline; no load / prompt
  StreamMeasurer sm(kStart);
  for (std::size_t i = 0; i < body.size(); ++i) {
    CHECK(sm.feed(std::string_view(body).substr(i, 1), at_ms(static_cast<int>(10 + i))));
  }
  const Measurement m = sm.finish();
  CHECK_FALSE(m.error);
  CHECK(m.done);
  CHECK(m.done_reason == "length");
  CHECK(m.chunks == 2);
  CHECK(m.response_bytes == 8);
  CHECK(m.response_text == "def f():");
  // Timed when its newline arrived.
  CHECK(*m.ttft_seconds == doctest::Approx(static_cast<double>(10 + body.find('\n')) / 1000));
  CHECK_FALSE(m.load_duration_ns);
  CHECK_FALSE(m.prompt_eval_count);
  CHECK_FALSE(m.prompt_eval_duration_ns);
  CHECK_FALSE(m.prompt_tokens_per_second());
  CHECK(*m.queue_seconds() == 0.4);
  CHECK(*m.eval_tokens_per_second() == 8);
}

TEST_CASE("bench measure: chat stream with thinking") {
  StreamMeasurer sm(kStart);
  CHECK(sm.feed(R"({"model":"m","message":{"role":"assistant","content":"","thinking":"Hmm"},)"
                R"("done":false})"
                "\n",
                at_ms(300)));
  CHECK(sm.feed(R"({"message":{"role":"assistant","content":"import heapq"},"done":false})"
                "\n",
                at_ms(500)));
  CHECK_FALSE(sm.feed(R"({"message":{"role":"assistant","content":""},"done":true,)"
                      R"("done_reason":"stop","total_duration":100000000,"eval_count":3,)"
                      R"("eval_duration":150000000})"
                      "\n",
                      at_ms(600)));
  const Measurement m = sm.finish();
  CHECK_FALSE(m.error);
  CHECK(*m.ttft_seconds == doctest::Approx(0.3));
  CHECK(*m.max_gap_seconds == doctest::Approx(0.2));
  CHECK(m.response_text == "import heapq");
  CHECK(m.response_bytes == 12);
  CHECK(*m.queue_seconds() == 0.0);  // clamped: the parts exceed the total
}

TEST_CASE("bench measure: failures keep what was measured") {
  SUBCASE("error line") {
    StreamMeasurer sm(kStart);
    CHECK(sm.feed("{\"response\":\"a\",\"done\":false}\n", at_ms(40)));
    CHECK_FALSE(sm.feed("{\"error\":\"model runner has unexpectedly stopped\"}\n", at_ms(90)));
    const Measurement m = sm.finish();
    CHECK(m.error == std::optional<std::string>("model runner has unexpectedly stopped"));
    CHECK(m.chunks == 1);
    CHECK(*m.ttft_seconds == doctest::Approx(0.04));
    CHECK_FALSE(m.done);
  }
  SUBCASE("an error line's text is bounded and kept to one line") {
    StreamMeasurer sm(kStart);
    const std::string line = "{\"error\":\"a\\nb" + std::string(100000, 'c') + "\"}\n";
    CHECK_FALSE(sm.feed(line, at_ms(90)));
    const auto error = sm.finish().error;
    REQUIRE(error);
    CHECK(error->rfind("a\u240Ab" + std::string(100, 'c'), 0) == 0);
    CHECK(error->size() <= kMaxLabelValueBytes);
    CHECK(error->find('\n') == std::string::npos);
  }
  SUBCASE("an error body (a non-200 answer): its text") {
    StreamMeasurer sm(kStart);
    // gin's c.JSON writes no trailing newline: the object is read at the end of the body.
    sm.feed("{\"error\":\"llama runner process has terminated: exit status 2\"}", at_ms(1));
    const Measurement m = sm.finish();
    CHECK(m.error ==
          std::optional<std::string>("llama runner process has terminated: exit status 2"));
    CHECK(m.response_text.empty());  // what runner.cpp used to report
  }
  SUBCASE("malformed line") {
    StreamMeasurer sm(kStart);
    CHECK_FALSE(sm.feed("{\"response\":\"a\"}\n\nnot json\n", at_ms(1)));
    const Measurement m = sm.finish();
    REQUIRE(m.error);
    CHECK(starts_with(*m.error, "malformed line 3: "));
    CHECK(m.chunks == 1);
  }
  SUBCASE("not an object") {
    StreamMeasurer sm(kStart);
    CHECK_FALSE(sm.feed("[1,2]\n", at_ms(1)));
    CHECK(starts_with(*sm.finish().error, "malformed line 1: "));
  }
  SUBCASE("stream ends before the final object") {
    StreamMeasurer sm(kStart);
    CHECK(sm.feed("{\"response\":\"a\",\"done\":false}\n{\"response\":\"b\"}", at_ms(1)));
    const Measurement m = sm.finish();
    CHECK(m.error == std::optional<std::string>("stream ended before the final object"));
    CHECK(m.chunks == 2);  // the unterminated last line still counts
  }
  SUBCASE("stream cut inside a line") {
    StreamMeasurer sm(kStart);
    CHECK(sm.feed("{\"response\":\"a\",\"done\":false}\n{\"response\":\"b", at_ms(1)));
    const Measurement m = sm.finish();
    REQUIRE(m.error);
    CHECK(starts_with(*m.error, "stream ended before the final object"));
    CHECK(m.chunks == 1);
  }
  SUBCASE("empty body") {
    StreamMeasurer sm(kStart);
    CHECK(sm.finish().error == std::optional<std::string>("stream ended before the final object"));
  }
  SUBCASE("oversized line, with or without its newline") {
    StreamMeasurer a(kStart, 64);
    CHECK(a.feed(std::string(40, ' '), at_ms(1)));
    CHECK_FALSE(a.feed(std::string(40, ' '), at_ms(2)));
    REQUIRE(a.finish().error);
    CHECK(a.finish().error->find("longer than 64 bytes") != std::string::npos);
    StreamMeasurer b(kStart, 64);
    CHECK_FALSE(b.feed("{\"response\":\"" + std::string(100, 'x') + "\"}\n", at_ms(1)));
    CHECK(b.finish().chunks == 0);
  }
  SUBCASE("final object with a non-integer duration") {
    StreamMeasurer sm(kStart);
    CHECK_FALSE(sm.feed("{\"done\":true,\"eval_count\":\"12\"}\n", at_ms(1)));
    const Measurement m = sm.finish();
    REQUIRE(m.error);
    CHECK(m.error->find("eval_count") != std::string::npos);
  }
}

TEST_CASE("bench measure: response text is bounded on a UTF-8 boundary") {
  std::string text = "a";
  for (std::size_t i = 0; i < Measurement::kMaxResponseText; ++i) text += "\xC3\xA9";
  StreamMeasurer sm(kStart);
  CHECK(sm.feed("{\"response\":\"" + text + "\"}\n", at_ms(1)));
  CHECK_FALSE(sm.feed(kFinal, at_ms(2)));
  const Measurement m = sm.finish();
  CHECK(m.response_bytes == text.size());
  CHECK(m.response_text.size() == Measurement::kMaxResponseText - 1);
  CHECK(m.response_text.back() == '\xA9');
}

TEST_CASE("bench measure: the expect check survives a degenerate answer at the bound") {
  // std::regex recursion depth grows with the text: this would overflow the stack if the
  // bound were much larger.
  for (const std::string& filler : {std::string(" "), std::string("x"), std::string("\n")}) {
    std::string text = "def";
    while (text.size() < Measurement::kMaxResponseText) text += filler;
    for (const BenchPrompt& p : builtin_suite()) {
      auto re = compile_expect(*p.expect);
      REQUIRE(re.ok());
      (void)std::regex_search(text, *re);
    }
    CHECK(std::regex_search(text, *compile_expect("[\\s\\S]*zzz")) == false);
  }
}

TEST_CASE("bench measure: non-streamed response") {
  const Measurement m = measure_response(
      R"({"model":"m","response":"def x(): pass","done":true,"done_reason":"stop",)"
      R"("total_duration":2000000000,"eval_count":10,"eval_duration":1000000000})");
  CHECK_FALSE(m.error);
  CHECK(m.response_text == "def x(): pass");
  CHECK(*m.eval_tokens_per_second() == 10.0);
  CHECK(*m.queue_seconds() == 1.0);
  CHECK_FALSE(m.ttft_seconds);
  CHECK(measure_response(R"({"error":"model 'x' not found"})").error ==
        std::optional<std::string>("model 'x' not found"));
  CHECK(measure_response("{\"response\":\"a\"}").error);
  CHECK(measure_response("nope").error);
}
