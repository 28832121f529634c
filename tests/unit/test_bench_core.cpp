#include <doctest/doctest.h>
#include <stdlib.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <stdexcept>

#include "collectors/bench/baseline.hpp"
#include "collectors/bench/histogram.hpp"
#include "collectors/bench/measure.hpp"
#include "collectors/bench/request.hpp"
#include "collectors/bench/suite.hpp"

using namespace llmon;
using namespace llmon::bench;
namespace json = boost::json;

namespace {

using Clock = StreamMeasurer::Clock;
const Clock::time_point kStart{};

Clock::time_point at_ms(int ms) { return kStart + std::chrono::milliseconds(ms); }

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
}

std::set<std::string> keys(const json::object& o) {
  std::set<std::string> out;
  for (const auto& kv : o) out.emplace(kv.key());
  return out;
}

// A fresh directory under /tmp, removed at scope exit.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "llmon-bench-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

const char* kFinal =
    R"({"model":"m","created_at":"2025-01-01T00:00:00Z","response":"","done":true,)"
    R"("done_reason":"stop","total_duration":5000000000,"load_duration":60000000,)"
    R"("prompt_eval_count":26,"prompt_eval_duration":130000000,"eval_count":290,)"
    R"("eval_duration":4709213000})"
    "\n";

}  // namespace

TEST_CASE("bench suite: six prompts whose expects tell a good answer from garbage") {
  const std::map<std::string, std::string> good{
      {"binary_search",
       "```python\ndef binary_search(items: list[int], target: int) -> int:\n"
       "    \"\"\"Return the index of target, or -1.\"\"\"\n    lo, hi = 0, len(items) - 1\n"},
      {"simple_function",
       "def is_palindrome(s: str) -> bool:\n    cleaned = [c.lower() for c in s if c.isalnum()]\n"
       "    return cleaned == cleaned[::-1]\n"},
      {"complex_algorithm",
       "import heapq\n\ndef dijkstra(graph, source):\n    dist = {source: 0}\n"
       "    heap = [(0, source)]\n    while heap:\n        d, u = heapq.heappop(heap)\n"},
      {"bug_fix",
       "The loop stops at n - 1. Use `range(1, n + 1)`:\n\ndef sum_to(n):\n    total = 0\n"},
      {"refactoring",
       "def squares_of_positive_evens(numbers):\n"
       "    return [x * x for x in numbers if x > 0 and x % 2 == 0]\n"},
      {"documentation",
       "    \"\"\"Merge overlapping intervals.\n\n    Args:\n        intervals: [start, end] pairs."
       "\n\n    Returns:\n        The merged intervals, sorted by start.\n    \"\"\"\n"},
  };
  const std::vector<std::string> garbage{"",         "!!!!!!!!",        "????????????????",
                                         "\n\n  \n", "<unk><unk><unk>", "1111111111"};
  const auto& suite = builtin_suite();
  REQUIRE(suite.size() == 6);
  std::set<std::string> names;
  std::set<std::string> apis;
  for (const BenchPrompt& p : suite) {
    CAPTURE(p.name);
    names.insert(p.name);
    apis.insert(p.api);
    CHECK((p.api == "generate" || p.api == "chat"));
    CHECK(p.num_predict > 0);
    CHECK(p.num_predict <= 256);
    CHECK(p.temperature == 0.0);
    CHECK(p.seed == 42);
    CHECK_FALSE(p.prompt.empty());
    REQUIRE(p.expect.has_value());
    REQUIRE(good.count(p.name) == 1);
    auto re = compile_expect(*p.expect);
    REQUIRE_MESSAGE(re.ok(), (re.ok() ? "" : re.error().message));
    CHECK(std::regex_search(good.at(p.name), *re));
    for (const std::string& g : garbage) {
      CAPTURE(g);
      CHECK_FALSE(std::regex_search(g, *re));
    }
  }
  CHECK(names.size() == 6);
  CHECK(apis == std::set<std::string>{"chat", "generate"});
  CHECK(suite[0].name == "binary_search");
  CHECK(suite[0].prompt ==
        "Write a Python function to implement binary search with type hints and docstring");
}

TEST_CASE("bench suite: compile_expect names a bad pattern") {
  auto re = compile_expect("def\\s+(unclosed");
  REQUIRE_FALSE(re.ok());
  CHECK(re.error().message.find("def\\s+(unclosed") != std::string::npos);
  CHECK(compile_expect("a|b").ok());
}

TEST_CASE("bench request: generate body has exactly the safe fields") {
  BenchPrompt p;
  p.name = "x";
  p.prompt = "Say hi";
  p.num_predict = 128;
  p.temperature = 0.5;
  p.seed = 7;
  const std::string body = build_request_body(p, "qwen3:8b", std::nullopt, "0a1b2c3d");
  const json::object o = json::parse(body).as_object();
  CHECK(keys(o) == std::set<std::string>{"model", "prompt", "stream", "options"});
  CHECK(o.at("model").as_string() == "qwen3:8b");
  CHECK(o.at("prompt").as_string() == "[0a1b2c3d] Say hi");
  CHECK(o.at("stream").as_bool());
  const json::object& opt = o.at("options").as_object();
  CHECK(keys(opt) == std::set<std::string>{"num_predict", "temperature", "seed"});
  CHECK(opt.at("num_predict").to_number<std::int64_t>() == 128);
  CHECK(opt.at("temperature").to_number<double>() == 0.5);
  CHECK(opt.at("seed").to_number<std::int64_t>() == 7);
  CHECK(body.find("keep_alive") == std::string::npos);
  CHECK(api_path(p) == "/api/generate");
}

TEST_CASE("bench request: num_ctx only when given, chat shape") {
  BenchPrompt p = builtin_suite()[0];
  const json::object with = json::parse(build_request_body(p, "m", 8192, "ffffffff")).as_object();
  const json::object& opt = with.at("options").as_object();
  CHECK(keys(opt) == std::set<std::string>{"num_predict", "temperature", "seed", "num_ctx"});
  CHECK(opt.at("num_ctx").to_number<std::int64_t>() == 8192);
  CHECK(opt.at("temperature").to_number<double>() == 0.0);
  CHECK(opt.at("seed").to_number<std::int64_t>() == 42);

  p.api = "chat";
  const std::string body = build_request_body(p, "m", std::nullopt, "12345678");
  const json::object chat = json::parse(body).as_object();
  CHECK(keys(chat) == std::set<std::string>{"model", "messages", "stream", "options"});
  const json::array& messages = chat.at("messages").as_array();
  REQUIRE(messages.size() == 1);
  const json::object& msg = messages[0].as_object();
  CHECK(keys(msg) == std::set<std::string>{"role", "content"});
  CHECK(msg.at("role").as_string() == "user");
  CHECK(msg.at("content").as_string() == "[12345678] " + p.prompt);
  CHECK(chat.at("stream").as_bool());
  CHECK(keys(chat.at("options").as_object()) ==
        std::set<std::string>{"num_predict", "temperature", "seed"});
  CHECK(body.find("keep_alive") == std::string::npos);
  CHECK(api_path(p) == "/api/chat");
}

TEST_CASE("bench request: nonces are 8 hex digits and distinct") {
  std::mt19937_64 rng(12345);
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string n = make_nonce(rng);
    REQUIRE(n.size() == 8);
    CHECK(n.find_first_not_of("0123456789abcdef") == std::string::npos);
    seen.insert(n);
  }
  CHECK(seen.size() == 1000);
  BenchPrompt p;
  p.prompt = "P";
  CHECK(build_request_body(p, "m", std::nullopt, make_nonce(rng)) !=
        build_request_body(p, "m", std::nullopt, make_nonce(rng)));
}

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

TEST_CASE("bench measure: byte-at-a-time feed, thinking counts for TTFT only") {
  const std::string body =
      "{\"response\":\"\",\"thinking\":\"Let me think\",\"done\":false}\n"
      "{\"response\":\"def f():\",\"done\":false}\n"
      R"({"response":"","done":true,"done_reason":"length","total_duration":900,"eval_count":4,)"
      R"("eval_duration":500})";  // no trailing newline; no load / prompt fields
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
  CHECK(*m.queue_seconds() == 400 / 1e9);
  CHECK(*m.eval_tokens_per_second() == 4 / (500 / 1e9));
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
                      R"("done_reason":"stop","total_duration":100,"eval_count":3,)"
                      R"("eval_duration":150})"
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

TEST_CASE("bench baseline: median and spread helpers") {
  CHECK(median({3, 1, 2}) == 2.0);
  CHECK(median({4, 1, 3, 2}) == 2.5);
  CHECK(median({7}) == 7.0);
  CHECK(std::isnan(median({})));
  CHECK(spread({1, 2, 3, 4, 100}) == 1.0);  // median 3, deviations 2 1 0 1 97
  CHECK(spread({5, 5, 5}) == 0.0);
  CHECK(std::isnan(spread({})));
}

TEST_CASE("bench baseline: rolling window, keys, eviction") {
  TempDir dir;
  BaselineStore store(dir.path / "b.json", 3, 2);
  const BaselineKey a{"local", "qwen3:8b", "binary_search"};
  const BaselineKey b{"local", "qwen3:8b", "bug_fix"};
  const BaselineKey c{"remote", "qwen3:8b", "binary_search"};
  CHECK_FALSE(store.median(a));
  for (double v : {1.0, 2.0, 3.0, 4.0, 5.0}) store.record(a, v);
  CHECK(store.values(a) == std::vector<double>{3, 4, 5});
  CHECK(*store.median(a) == 4.0);
  store.record(a, std::nan(""));
  store.record(a, -1);
  CHECK(store.values(a).size() == 3);
  store.record(b, 10);
  store.record(b, 20);
  CHECK(*store.median(b) == 15.0);
  store.record(a, 6);  // a is now the most recently recorded: c evicts b
  store.record(c, 1);
  CHECK(store.size() == 2);
  CHECK_FALSE(store.median(b));
  CHECK(*store.median(a) == 5.0);
}

TEST_CASE("bench baseline: save and load round trip, atomically") {
  TempDir dir;
  const auto file = dir.path / "state" / "baselines.json";  // directory created by save()
  const BaselineKey a{"local", "m\x1f:q", "p|x"};
  const BaselineKey b{"other", "m", "p"};
  {
    BaselineStore store(file, 5);
    CHECK_FALSE(store.load());  // missing file: no warning
    store.record(a, 12.345678901234567);
    store.record(a, 1e-3);
    store.record(b, 48.5);
    auto saved = store.save();
    REQUIRE_MESSAGE(saved.ok(), (saved.ok() ? "" : saved.error().message));
    store.record(b, 50);
    REQUIRE(store.save().ok());
  }
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(file.parent_path())) {
    names.push_back(e.path().filename().string());
  }
  CHECK(names == std::vector<std::string>{"baselines.json"});
  BaselineStore loaded(file, 5);
  CHECK_FALSE(loaded.load());
  CHECK(loaded.values(a) == std::vector<double>{12.345678901234567, 1e-3});
  CHECK(loaded.values(b) == std::vector<double>{48.5, 50});
  BaselineStore narrow(file, 1);
  CHECK_FALSE(narrow.load());
  CHECK(narrow.values(b) == std::vector<double>{50});
}

TEST_CASE("bench baseline: corrupt or wrongly shaped file warns and starts empty") {
  TempDir dir;
  const auto file = dir.path / "b.json";
  for (const char* content :
       {"{\"version\":1,\"baselines\":[{\"ollama\":", "[]", "{\"version\":2,\"baselines\":[]}",
        R"({"version":1,"baselines":[{"ollama":"o","model":"m","prompt":"p","values":["x"]}]})",
        R"({"version":1,"baselines":[{"ollama":"o","model":"m","values":[1]}]})"}) {
    CAPTURE(content);
    std::ofstream(file) << content;
    BaselineStore store(file, 3);
    store.record({"o", "m", "p"}, 1);
    const auto warning = store.load();
    REQUIRE(warning);
    CHECK(warning->find(file.string()) != std::string::npos);
    CHECK(store.size() == 0);
  }
  // A directory where the file should be: unreadable, and save() reports it.
  std::filesystem::create_directory(dir.path / "d");
  BaselineStore store(dir.path / "d", 3);
  CHECK(store.load());
  CHECK_FALSE(store.save().ok());
  CHECK(std::filesystem::directory_iterator(dir.path / "d") ==
        std::filesystem::directory_iterator());
}

TEST_CASE("bench histogram: cumulative buckets") {
  Histogram h({1, 2, 5});
  for (double v : {0.5, 1.0, 1.5, 5.0, 7.0, std::nan("")}) h.observe(v);
  CHECK(h.cumulative_counts() == std::vector<std::uint64_t>{2, 3, 4});
  CHECK(h.count() == 5);
  CHECK(h.sum() == 15.0);
  CHECK_THROWS_AS(Histogram({2, 1}), std::invalid_argument);
  CHECK_THROWS_AS(Histogram({1, 1}), std::invalid_argument);
  for (const auto* b : {&ttft_buckets(), &tps_buckets()}) {
    CHECK(std::is_sorted(b->begin(), b->end()));
    CHECK_NOTHROW(Histogram{*b});
  }
  CHECK(ttft_buckets().front() == 0.05);
  CHECK(ttft_buckets().back() == 60.0);
  CHECK(tps_buckets().front() == 1.0);
  CHECK(tps_buckets().back() == 200.0);
}
