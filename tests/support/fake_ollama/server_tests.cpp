// The fake's server in-process on port 0, observed over real sockets: listings, streaming and
// whole answers, keep_alive, reloads, queueing, control routes and HTTP edge cases.
#include <doctest/doctest.h>

#include <boost/json/serialize.hpp>
#include <cstdio>
#include <ctime>
#include <future>
#include <optional>

#include "test_client.hpp"

namespace json = boost::json;
using namespace fake_ollama;
using namespace fake_ollama::testing;

namespace {

constexpr std::string_view kScenario = R"(
[server]
utc_offset = "+01:00"

[[models]]
name = "coder:30b"
size = 1000
running_size = 2000
size_vram = 2000
context_length = 8192
tokens_per_second = 200
prompt_tokens_per_second = 10000
ttft = "20ms"
load_delay = "100ms"
response = "alpha beta gamma delta epsilon"
loaded = true

[[models]]
name = "small:1b"
load_delay = "80ms"
ttft = "10ms"
tokens_per_second = 500
response = "tiny answer"

[[models]]
name = "pinned:1b"
loaded = true
keep_alive = -1

[[models]]
name = "thinker:1b"
capabilities = ["completion", "thinking"]
thinking = "let me see"
response = "done"
ttft = "5ms"
tokens_per_second = 1000
load_delay = "10ms"

[[models]]
name = "oss:20b"
family = "gptoss"
template = "<|start|>system<|message|>Reasoning: {{ .ThinkLevel }}<|end|>{{ .Prompt }}"
capabilities = ["completion", "thinking"]
thinking = "medium amount of thought"
thinking_low = "brief"
thinking_high = "a very long and careful chain of thought"
response = "ok"
ttft = "5ms"
tokens_per_second = 1000
load_delay = "10ms"

[[models]]
name = "plain-oss:20b"
family = "gptoss"
capabilities = ["completion", "thinking"]
thinking = "hm"
response = "ok"
ttft = "5ms"
tokens_per_second = 1000
load_delay = "10ms"
)";

json::value post(unsigned short port, std::string_view path, std::string_view body) {
  const RawResponse r = http(port, "POST", path, body);
  INFO(path << " -> " << r.status << " " << r.body);
  REQUIRE(r.status == 200);
  return r.json();
}

json::value get(unsigned short port, std::string_view path) {
  const RawResponse r = http(port, "GET", path);
  REQUIRE(r.status == 200);
  return r.json();
}

std::optional<json::object> ps_entry(unsigned short port, std::string_view name) {
  const json::value ps = get(port, "/api/ps");
  for (const auto& m : ps.at("models").as_array()) {
    if (m.at("name").as_string() == name) return m.as_object();
  }
  return std::nullopt;
}

std::int64_t stat(unsigned short port, std::string_view model, std::string_view counter) {
  const json::value stats = get(port, "/_fake/stats");
  const json::object& models = stats.at("models").as_object();
  const json::value* entry = models.if_contains(model);
  return entry == nullptr ? 0 : entry->at(counter).as_int64();
}

// Seconds since 1970 of an RFC3339 timestamp (fraction ignored).
std::int64_t unix_seconds(std::string_view text) {
  std::tm tm{};
  int year = 0, month = 0;
  std::sscanf(std::string(text).c_str(), "%d-%d-%dT%d:%d:%d", &year, &month, &tm.tm_mday,
              &tm.tm_hour, &tm.tm_min, &tm.tm_sec);
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  std::int64_t seconds = timegm(&tm);
  if (text.back() != 'Z') {
    const std::string_view zone = text.substr(text.size() - 6);
    seconds -= (zone[0] == '-' ? -1 : 1) * ((zone[1] - '0') * 36000 + (zone[2] - '0') * 3600 +
                                            (zone[4] - '0') * 600 + (zone[5] - '0') * 60);
  }
  return seconds;
}

}  // namespace

TEST_CASE("server: /, version, /api/ps and gin's 404/405 pages") {
  InProcessServer fake(kScenario);
  RawResponse root = http(fake.port(), "GET", "/");
  CHECK(root.status == 200);
  CHECK(root.header("content-type") == "text/plain; charset=utf-8");
  CHECK(root.body == "Ollama is running");
  RawResponse head = http(fake.port(), "HEAD", "/");
  CHECK(head.header("content-length") == "17");
  CHECK(head.body.empty());
  CHECK(get(fake.port(), "/api/version").at("version") == "0.12.11");
  RawResponse missing = http(fake.port(), "GET", "/api/nothing");
  CHECK(missing.status == 404);
  CHECK(missing.header("content-type") == "text/plain");
  CHECK(missing.body == "404 page not found");
  CHECK(http(fake.port(), "GET", "/api/generate").status == 405);

  RawResponse ps = http(fake.port(), "GET", "/api/ps");
  CHECK(ps.header("content-type") == "application/json; charset=utf-8");
  CHECK(ps.header("content-length") == std::to_string(ps.body.size()));
  const json::array models = ps.json().at("models").as_array();
  REQUIRE(models.size() == 2);
  CHECK(models[0].at("name") == "pinned:1b");  // the longest time to expiry first
  CHECK(unix_seconds(models[0].at("expires_at").as_string()) >
        unix_seconds("2300-01-01T00:00:00Z"));
  const json::object& coder = models[1].as_object();
  CHECK(coder.at("model") == "coder:30b");
  CHECK(coder.at("size") == 2000);
  CHECK(coder.at("size_vram") == 2000);
  CHECK(coder.at("context_length") == 8192);
  CHECK(coder.at("digest").as_string().size() == 64);
  CHECK(coder.at("details").at("format") == "gguf");
  const std::string expires(coder.at("expires_at").as_string());
  CHECK(expires.substr(expires.size() - 6) == "+01:00");
  CHECK(std::llabs(unix_seconds(expires) - (std::time(nullptr) + 300)) <= 5);
}

TEST_CASE("server: a streamed generate, chunk by chunk, then the final metrics") {
  InProcessServer fake(kScenario);
  RawClient client(fake.port());
  const auto start = std::chrono::steady_clock::now();
  client.send("POST", "/api/generate", R"({"model":"coder:30b","prompt":"hello there"})");
  const RawResponse r = client.read_response();
  const auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(r.status == 200);
  CHECK(r.complete);
  CHECK(r.header("content-type") == "application/x-ndjson");
  CHECK(r.header("transfer-encoding") == "chunked");
  const auto lines = r.ndjson();
  REQUIRE(lines.size() == 6);
  CHECK(r.chunks.size() == 6);  // one line per chunk, as it was produced
  std::string text;
  for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
    CHECK(lines[i].at("done") == false);
    CHECK(lines[i].at("model") == "coder:30b");
    text += lines[i].at("response").as_string();
  }
  CHECK(text == "alpha beta gamma delta epsilon");
  const json::object& last = lines.back().as_object();
  CHECK(last.at("done") == true);
  CHECK(last.at("done_reason") == "stop");
  CHECK(last.at("response") == "");
  CHECK_FALSE(last.contains("load_duration"));  // already loaded
  CHECK(last.at("prompt_eval_count") == 3);     // ceil(11 bytes / 4)
  CHECK(last.at("prompt_eval_duration") == 300'000);
  CHECK(last.at("eval_count") == 5);
  CHECK(last.at("eval_duration") == 25'000'000);
  CHECK(last.at("context").as_array().size() == 8);
  CHECK(last.at("total_duration").as_int64() >= 45'000'000);  // ttft + 5 tokens at 200/s
  CHECK(elapsed >= std::chrono::milliseconds(45));
}

TEST_CASE("server: chat without streaming is one JSON object") {
  InProcessServer fake(kScenario);
  const RawResponse r = http(fake.port(), "POST", "/api/chat",
                             R"({"model":"coder:30b","stream":false,"messages":[)"
                             R"({"role":"user","content":"hi"}]})");
  CHECK(r.status == 200);
  CHECK(r.header("content-type") == "application/json; charset=utf-8");
  const json::value v = r.json();
  CHECK(v.at("message").at("role") == "assistant");
  CHECK(v.at("message").at("content") == "alpha beta gamma delta epsilon");
  CHECK(v.at("done") == true);
  CHECK(v.at("done_reason") == "stop");
  CHECK(v.at("eval_count") == 5);
  CHECK_FALSE(v.as_object().contains("context"));
}

TEST_CASE("server: keep_alive moves expires_at; 0 unloads; -1 pins; empty prompts load") {
  InProcessServer fake(kScenario);
  post(fake.port(), "/api/generate",
       R"({"model":"coder:30b","prompt":"x","stream":false,"keep_alive":"1h"})");
  auto coder = ps_entry(fake.port(), "coder:30b");
  REQUIRE(coder);
  CHECK(std::llabs(unix_seconds(coder->at("expires_at").as_string()) -
                   (std::time(nullptr) + 3600)) <= 5);
  post(fake.port(), "/api/generate",
       R"({"model":"coder:30b","prompt":"x","stream":false,"keep_alive":-1})");
  CHECK(unix_seconds(ps_entry(fake.port(), "coder:30b")->at("expires_at").as_string()) >
        unix_seconds("2300-01-01T00:00:00Z"));
  post(fake.port(), "/api/generate",
       R"({"model":"coder:30b","prompt":"x","stream":false,"keep_alive":0})");
  CHECK_FALSE(ps_entry(fake.port(), "coder:30b"));
  CHECK(stat(fake.port(), "coder:30b", "unloads") == 1);

  const json::value load = post(fake.port(), "/api/generate", R"({"model":"small:1b"})");
  CHECK(load.at("done_reason") == "load");
  CHECK(ps_entry(fake.port(), "small:1b"));
  const json::value unload =
      post(fake.port(), "/api/chat", R"({"model":"small:1b","keep_alive":0})");
  CHECK(unload.at("done_reason") == "unload");
  CHECK(unload.at("message").at("content") == "");
  CHECK_FALSE(ps_entry(fake.port(), "small:1b"));
}

TEST_CASE("server: another num_ctx reloads the model, and /_fake/stats counts it") {
  InProcessServer fake(kScenario);
  const char* bigger =
      R"({"model":"coder:30b","prompt":"x","stream":false,"options":{"num_ctx":16384}})";
  json::value v = post(fake.port(), "/api/generate", bigger);
  CHECK(v.at("load_duration").as_int64() >= 100'000'000);
  CHECK(stat(fake.port(), "coder:30b", "reloads") == 1);
  auto coder = ps_entry(fake.port(), "coder:30b");
  REQUIRE(coder);
  CHECK(coder->at("context_length") == 16384);
  CHECK(coder->at("size") == 3000);  // the KV cache part doubled
  v = post(fake.port(), "/api/generate", bigger);
  CHECK_FALSE(v.as_object().contains("load_duration"));
  CHECK(stat(fake.port(), "coder:30b", "reloads") == 1);
  // As in Ollama, leaving num_ctx out asks for the default again: another reload.
  post(fake.port(), "/api/generate", R"({"model":"coder:30b","prompt":"x","stream":false})");
  CHECK(stat(fake.port(), "coder:30b", "reloads") == 2);
  CHECK(stat(fake.port(), "coder:30b", "loads") == 0);
}

TEST_CASE("server: num_ctx 0 is taken literally, as the floor of 4: a reload") {
  InProcessServer fake(kScenario);
  post(fake.port(), "/api/generate",
       R"({"model":"coder:30b","prompt":"x","stream":false,"options":{"num_ctx":0}})");
  CHECK(stat(fake.port(), "coder:30b", "reloads") == 1);
  auto coder = ps_entry(fake.port(), "coder:30b");
  REQUIRE(coder);
  CHECK(coder->at("context_length") == 4);
}

TEST_CASE("server: a model not loaded is loaded first; num_predict stops with length") {
  InProcessServer fake(kScenario);
  CHECK_FALSE(ps_entry(fake.port(), "small:1b"));
  json::value v =
      post(fake.port(), "/api/generate", R"({"model":"small:1b","prompt":"q","stream":false})");
  CHECK(v.at("load_duration").as_int64() >= 80'000'000);
  CHECK(v.at("response") == "tiny answer");
  CHECK(stat(fake.port(), "small:1b", "loads") == 1);
  CHECK(ps_entry(fake.port(), "small:1b"));
  v = post(fake.port(), "/api/generate",
           R"({"model":"coder:30b","prompt":"q","stream":false,"options":{"num_predict":2}})");
  CHECK(v.at("done_reason") == "length");
  CHECK(v.at("eval_count") == 2);
  CHECK(v.at("response") == "alpha beta");
}

TEST_CASE("server: requests beyond num_parallel queue, and the wait shows in total_duration") {
  InProcessServer fake(kScenario);
  const char* body = R"({"model":"coder:30b","prompt":"q","stream":false})";
  auto one =
      std::async(std::launch::async, [&] { return post(fake.port(), "/api/generate", body); });
  auto two =
      std::async(std::launch::async, [&] { return post(fake.port(), "/api/generate", body); });
  const std::int64_t a = one.get().at("total_duration").as_int64();
  const std::int64_t b = two.get().at("total_duration").as_int64();
  // Each takes ttft 20ms + 5 tokens of 5ms; the one that waited took about twice that.
  CHECK(std::max(a, b) >= 85'000'000);
  CHECK(stat(fake.port(), "coder:30b", "max_concurrent") == 1);
}

TEST_CASE("server: thinking models stream their thinking first") {
  InProcessServer fake(kScenario);
  RawClient client(fake.port());
  client.send("POST", "/api/chat",
              R"({"model":"thinker:1b","messages":[{"role":"user","content":"?"}]})");
  const auto lines = client.read_response().ndjson();
  REQUIRE(lines.size() == 5);
  CHECK(lines[0].at("message").at("thinking") == "let");
  CHECK(lines[0].at("message").at("content") == "");
  CHECK(lines[3].at("message").at("content") == "done");
  CHECK(lines[4].at("eval_count") == 4);
  const RawResponse refused = http(fake.port(), "POST", "/api/generate",
                                   R"({"model":"coder:30b","prompt":"q","think":true})");
  CHECK(refused.status == 400);
  CHECK(refused.json().at("error") == "\"coder:30b\" does not support thinking");
}

TEST_CASE("server: think false stops a thinking model; a harmony model only takes levels") {
  InProcessServer fake(kScenario);
  auto thinking = [&](const std::string& model, const std::string& think) {
    const std::string body = R"({"model":")" + model + R"(","prompt":"?","stream":false)" +
                             (think.empty() ? "" : ",\"think\":" + think) + "}";
    const json::value v = post(fake.port(), "/api/generate", body);
    const json::value* t = v.as_object().if_contains("thinking");
    return t ? std::string(t->as_string()) : std::string();
  };
  CHECK(thinking("thinker:1b", "") == "let me see");  // thinks by default (0.12.4+)
  CHECK(thinking("thinker:1b", "false") == "");
  // gpt-oss cannot stop thinking: booleans give its default level; levels change the length.
  CHECK(thinking("oss:20b", "false") == "medium amount of thought");
  CHECK(thinking("oss:20b", "") == "medium amount of thought");
  CHECK(thinking("oss:20b", "\"low\"") == "brief");
  CHECK(thinking("oss:20b", "\"high\"") == "a very long and careful chain of thought");
  // Levels need the harmony template, as Ollama's shouldUseHarmony decides.
  for (const char* model : {"thinker:1b", "plain-oss:20b"}) {
    const RawResponse r =
        http(fake.port(), "POST", "/api/generate",
             std::string(R"({"model":")") + model + R"(","prompt":"?","think":"low"})");
    CHECK(r.status == 400);
    CHECK(r.json().at("error") == "think value \"low\" is not supported for this model");
  }
}
