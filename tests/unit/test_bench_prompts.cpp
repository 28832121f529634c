// The built-in suite and the request bodies benchmarks send.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <map>
#include <random>
#include <set>
#include <string>

#include "collectors/bench/request.hpp"
#include "collectors/bench/suite.hpp"

using namespace llmon;
using namespace llmon::bench;
namespace json = boost::json;

namespace {

std::set<std::string> keys(const json::object& o) {
  std::set<std::string> out;
  for (const auto& kv : o) out.emplace(kv.key());
  return out;
}

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

TEST_CASE("bench request: never num_ctx 0 or negative (Ollama would reload with 4 tokens)") {
  const BenchPrompt& p = builtin_suite()[0];
  for (std::int64_t ctx : {0, -4096}) {
    CAPTURE(ctx);
    const json::object o = json::parse(build_request_body(p, "m", ctx, "00000000")).as_object();
    CHECK_FALSE(o.at("options").as_object().contains("num_ctx"));
  }
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

TEST_CASE("bench expect: the check's stack does not grow with the answer") {
  // The depth-first matcher recursed once per character `\s*` consumed: 4 MiB of spaces
  // overflowed any thread stack (and 8 KiB already did under AddressSanitizer).
  const auto re = compile_expect("^\\s*zzz");
  REQUIRE(re.ok());
  CHECK_FALSE(std::regex_search(std::string(4 << 20, ' '), *re));
  const auto anywhere = compile_expect("[\\s\\S]*zzz");
  REQUIRE(anywhere.ok());
  CHECK(std::regex_search(std::string(8 * 1024, ' ') + "zzz", *anywhere));
}

TEST_CASE("bench expect: patterns the regex engine cannot take safely are errors") {
  const auto error_of = [](const std::string& pattern) {
    const auto re = compile_expect(pattern);
    return re.ok() ? std::string("compiled") : re.error().message;
  };
  // Deep nesting overflowed the stack of libstdc++'s recursive regex compiler.
  const std::string nested = std::string(20000, '(') + "a" + std::string(20000, ')');
  CHECK(error_of(nested) == "invalid expect regex: 40001 bytes, the limit is 1024");
  // libstdc++ reads a count into a long with no overflow check.
  CHECK(error_of("a{22222222222222222222}") ==
        "invalid expect regex \"a{22222222222222222222}\": repeat count 22222222222222222222 "
        "above 1000");
  CHECK(error_of("a{2,1001}").find("repeat count 1001 above 1000") != std::string::npos);
  CHECK(error_of("(a)\\1") == "invalid expect regex \"(a)\\1\": back-references are not supported");
  // Found by fuzzing: the number of a back-reference overflowed the same way.
  CHECK(error_of("(a)\\2222222222222222222222").ends_with("back-references are not supported"));
  CHECK(error_of("(unclosed").starts_with("invalid expect regex \"(unclosed\": "));
  // Counts that are fine, and braces that are not counts.
  CHECK(error_of("a{2,1000}") == "compiled");
  CHECK(error_of("[{99999}]x") == "compiled");
  CHECK(error_of("\\{99999\\}") == "compiled");
  CHECK(error_of(std::string(500, '(') + std::string(500, ')')) == "compiled");
}
