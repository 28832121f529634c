// Unit tests of the fake's pure parts: Go formats, the scenario parser and the response
// builders. The server itself is tested in server_tests.cpp and fault_tests.cpp.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "go_json.hpp"
#include "go_time.hpp"
#include "responses.hpp"
#include "scenario.hpp"

namespace json = boost::json;
using namespace fake_ollama;

namespace {

// 2026-11-23T16:45:12.123456789Z
constexpr WallTime kSample{1'795'452'312, 123'456'789};

Scenario parse_ok(std::string_view toml) {
  ScenarioResult r = parse_scenario(toml, "inline");
  INFO(r.error);
  REQUIRE(r.scenario);
  return std::move(*r.scenario);
}

}  // namespace

TEST_CASE("RFC3339Nano as Go writes it: trimmed fraction, Z or offset, +292 years") {
  CHECK(format_rfc3339_nano(kSample, 0) == "2026-11-23T16:45:12.123456789Z");
  CHECK(format_rfc3339_nano(kSample, 3600) == "2026-11-23T17:45:12.123456789+01:00");
  CHECK(format_rfc3339_nano(kSample, -(5 * 3600 + 1800)) == "2026-11-23T11:15:12.123456789-05:30");
  CHECK(format_rfc3339_nano(WallTime{kSample.unix_seconds, 120'000'000}, 0) ==
        "2026-11-23T16:45:12.12Z");
  CHECK(format_rfc3339_nano(WallTime{kSample.unix_seconds, 0}, 0) == "2026-11-23T16:45:12Z");
  // keep_alive -1 is stored as math.MaxInt64 nanoseconds.
  CHECK(format_rfc3339_nano(add(kSample, kForever), 3600) == "2319-03-05T17:32:28.978232596+01:00");
  CHECK(format_http_date(kSample) == "Mon, 23 Nov 2026 16:45:12 GMT");
  CHECK(parse_utc_offset("+01:00") == 3600);
  CHECK(parse_utc_offset("Z") == 0);
  CHECK_FALSE(parse_utc_offset("+1:00"));
}

TEST_CASE("Go durations and keep_alive") {
  CHECK(parse_go_duration("150ms") == 150 * kNanosPerMilli);
  CHECK(parse_go_duration("1h30m") == 5400 * kNanosPerSecond);
  CHECK(parse_go_duration("1.5s") == 1'500'000'000);
  CHECK(parse_go_duration("-1m") == -60 * kNanosPerSecond);
  CHECK(parse_go_duration("0") == 0);
  std::string error;
  CHECK_FALSE(parse_go_duration("5", &error));
  CHECK(error == "time: missing unit in duration \"5\"");
  CHECK_FALSE(parse_go_duration("1d", &error));
  CHECK(error == "time: unknown unit \"d\" in duration \"1d\"");
  CHECK_FALSE(parse_go_duration("", &error));
  CHECK(error == "time: invalid duration \"\"");
  CHECK_FALSE(parse_go_duration("3000000h", &error));  // overflows int64 nanoseconds

  CHECK(keep_alive_from_seconds(300) == 300 * kNanosPerSecond);
  CHECK(keep_alive_from_seconds(0) == 0);
  CHECK(keep_alive_from_seconds(-1) == kForever);
  CHECK(keep_alive_from_string("5m", &error) == 300 * kNanosPerSecond);
  CHECK(keep_alive_from_string("-1m", &error) == kForever);
}

TEST_CASE("JSON written like encoding/json, read with gin's errors") {
  json::object o;
  o["text"] = "a<b>&c\n\x01\xE2\x80\xA8";
  o["bad_utf8"] = "\xff";
  o["small"] = 0.0000001;
  o["plain"] = 0.7;
  o["big"] = 1e21;
  o["int"] = -42;
  CHECK(to_go_json(o) ==
        R"({"text":"a\u003cb\u003e\u0026c\n\u0001\u2028","bad_utf8":"\ufffd","small":1e-7,)"
        R"("plain":0.7,"big":1e+21,"int":-42})");
  CHECK(error_json("x \"y\"") == R"({"error":"x \"y\""})");

  CHECK(decode_request_body("", "api.GenerateRequest").error == "missing request body");
  CHECK(decode_request_body(" \n", "api.GenerateRequest").error == "missing request body");
  CHECK(decode_request_body("{\"model\":", "api.GenerateRequest").error == "unexpected EOF");
  CHECK(decode_request_body("x", "api.GenerateRequest").error ==
        "invalid character 'x' looking for beginning of value");
  CHECK(decode_request_body("[1]", "api.GenerateRequest").error ==
        "json: cannot unmarshal array into Go value of type api.GenerateRequest");
  const DecodedBody trailing = decode_request_body("{\"a\":1} trailing", "T");
  REQUIRE(trailing.object);  // json.Decoder stops after the first value
  CHECK(trailing.object->at("a") == 1);

  const json::object request =
      json::parse(R"({"model":5,"stream":"yes","prompt":null})").as_object();
  GoFields fields(request, "GenerateRequest");
  CHECK_FALSE(fields.string("prompt"));
  CHECK_FALSE(fields.string("model"));
  CHECK_FALSE(fields.boolean("stream"));
  CHECK(fields.error() ==
        "json: cannot unmarshal number into Go struct field GenerateRequest.model of type string");
}

TEST_CASE("scenario: the fixtures parse, with defaults filled in") {
  for (const char* name : {"strix_halo.toml", "second_instance.toml"}) {
    const ScenarioResult r = load_scenario_file(std::string(FAKE_OLLAMA_FIXTURES_DIR "/") + name);
    INFO(name << ": " << r.error);
    CHECK(r.scenario);
  }
  const Scenario s =
      load_scenario_file(FAKE_OLLAMA_FIXTURES_DIR "/strix_halo.toml").scenario.value();
  const ModelSpec* coder = s.find("QWEN3-coder:30b-a3b-q8_0");
  REQUIRE(coder != nullptr);
  CHECK(coder->loaded);
  CHECK(coder->size_vram == coder->running_size);
  CHECK(coder->context_length == 262144);
  CHECK(coder->ttft == 150 * kNanosPerMilli);
  const ModelSpec* pinned = s.find("nomic-embed-text");  // ":latest" implied
  REQUIRE(pinned != nullptr);
  CHECK(pinned->keep_alive == kForever);
  const ModelSpec* llama = s.find("llama3.2:3b");
  REQUIRE(llama != nullptr);
  CHECK(llama->size_vram < llama->running_size);
  CHECK_FALSE(s.find("hf.co/unsloth/Qwen3-Coder-30B-A3B-Instruct-GGUF:Q4_K_M")->families);

  const Scenario d = parse_ok("[[models]]\nname = \"tiny\"\nsize = 1000\n");
  CHECK(d.server.version == "0.12.11");
  CHECK(d.server.num_parallel == 1);
  CHECK(d.server.keep_alive == 300 * kNanosPerSecond);
  CHECK(d.models[0].digest == fake_digest("tiny"));
  CHECK(d.models[0].digest.size() == 64);
  CHECK(d.models[0].running_size == 1100);
  CHECK(d.models[0].capabilities == std::vector<std::string>{"completion"});
}

TEST_CASE("scenario: mistakes are reported with their line") {
  auto error = [](std::string_view toml) { return parse_scenario(toml, "s.toml").error; };
  CHECK(error("[server]\nversoin = \"1\"\n") == "s.toml:2:11: unknown key 'versoin'");
  CHECK(error("[[models]]\nname = \"a\"\nttft = \"5\"\n") ==
        "s.toml:3:8: ttft: time: missing unit in duration \"5\"");
  CHECK(error("[[models]]\nname = \"a\"\nsize_vram = 10\nrunning_size = 5\n") ==
        "s.toml:3:13: size_vram cannot exceed running_size");
  CHECK(error("[[models]]\nname = \"a\"\n[[models]]\nname = \"A:latest\"\n").find("listed twice") !=
        std::string::npos);
  CHECK(error("[[faults]]\nkind = \"explode\"\n") == "s.toml:2:8: unknown fault kind 'explode'");
  CHECK(error("[[models]]\nname = \"a\"\nmodified_at = 2025-01-01T00:00:00\n").find("offset") !=
        std::string::npos);
  CHECK(error("[server\n").rfind("s.toml:1:", 0) == 0);
}

TEST_CASE("metrics: zero fields are omitted as omitempty does") {
  json::object out;
  add_metrics(out, Metrics{1'000, 0, 7, 0, 3, 60});
  CHECK(json::serialize(out) ==
        R"({"total_duration":1000,"prompt_eval_count":7,"eval_count":3,"eval_duration":60})");
  json::object none;
  add_metrics(none, Metrics{});
  CHECK(none.empty());
}

TEST_CASE("final objects of generate and chat") {
  FinalParts parts{"stop", Metrics{5, 2, 1, 1, 2, 2}, fake_context(3), "", ""};
  const json::object gen = final_chunk(Endpoint::kGenerate, "m", "T", parts);
  CHECK(to_go_json(gen) ==
        R"({"model":"m","created_at":"T","response":"","done":true,"done_reason":"stop",)"
        R"("context":[152,8071,15990],"total_duration":5,"load_duration":2,)"
        R"("prompt_eval_count":1,"prompt_eval_duration":1,"eval_count":2,"eval_duration":2})");
  const json::object chat = final_chunk(Endpoint::kChat, "m", "T", parts);
  CHECK(to_go_json(chat.at("message")) == R"({"role":"assistant","content":""})");
  CHECK_FALSE(chat.contains("context"));
  CHECK(to_go_json(stream_chunk(Endpoint::kGenerate, "m", "T", Token{"hm", true})) ==
        R"({"model":"m","created_at":"T","response":"","thinking":"hm","done":false})");
  CHECK(to_go_json(lifecycle_reply(Endpoint::kChat, "m", "T", "load")) ==
        R"({"model":"m","created_at":"T","message":{"role":"assistant","content":""},)"
        R"("done":true,"done_reason":"load"})");
}

TEST_CASE("answers: words as tokens, repeated or cut, num_predict -> length") {
  CHECK(word_tokens("Hi there,  you") == std::vector<std::string>{"Hi", " there,", "  you"});
  ModelSpec m;
  m.response = "one two three";
  Answer a = plan_answer(m, "prompt", "", -1);
  CHECK(a.tokens.size() == 3);
  CHECK(a.done_reason == "stop");
  a = plan_answer(m, "prompt", "", 2);
  CHECK(a.tokens.size() == 2);
  CHECK(a.done_reason == "length");
  m.eval_count = 5;
  std::string text;
  for (const auto& t : plan_answer(m, "p", "", 0).tokens) text += t.text;
  CHECK(text == "one two three one two");
  a = plan_answer(m, "p", "hmm ok", 3);
  REQUIRE(a.tokens.size() == 3);
  CHECK(a.tokens[0].thinking);
  CHECK(a.tokens[1].thinking);
  CHECK_FALSE(a.tokens[2].thinking);
  m.replies = {{"FizzBuzz", "fizz"}};
  m.eval_count = 0;
  CHECK(plan_answer(m, "write FizzBuzz", "", 0).tokens[0].text == "fizz");

  CHECK(prompt_tokens("") == 0);
  CHECK(prompt_tokens("abcd") == 1);
  CHECK(prompt_tokens("abcde") == 2);
  CHECK(tokens_duration(12, 48) == 250'000'000);
  CHECK(tokens_duration(1, 3) == 333'333'333);
  CHECK(tokens_duration(0, 3) == 0);
}

TEST_CASE("listings: tags newest first, ps by expiry with optional and extra fields, show") {
  const Scenario s = parse_ok(R"(
[server]
utc_offset = "+01:00"
[[models]]
name = "old:1b"
modified_at = 2025-01-01T00:00:00Z
[[models]]
name = "new:1b"
modified_at = 2025-06-01T00:00:00.5+02:00
size = 1000
running_size = 3000
size_vram = 1500
context_length = 4096
architecture = "llama"
trained_context_length = 131072
omit_context_length = true
ps_extra = { gpu = "gfx1151" }
model_info = { "llama.block_count" = 28 }
)");
  const json::array tags = tags_json(s).at("models").as_array();
  CHECK(tags[0].at("name") == "new:1b");
  CHECK(tags[0].at("modified_at") == "2025-05-31T23:00:00.5+01:00");  // written at +01:00
  CHECK(tags[0].at("details").at("families").is_null());

  const ModelSpec& fresh = s.models[1];
  CHECK(footprint(fresh, 4096).size == 3000);
  CHECK(footprint(fresh, 8192).size == 5000);       // the KV part (2000) doubles
  CHECK(footprint(fresh, 8192).size_vram == 2500);  // the GPU share (50%) stays
  const json::object ps =
      ps_json(s.server, {{&s.models[0], 2048, kSample}, {&fresh, 8192, add(kSample, kForever)}});
  const json::array running = ps.at("models").as_array();
  CHECK(running[0].at("name") == "new:1b");
  CHECK(running[0].at("expires_at") == "2319-03-05T17:32:28.978232596+01:00");
  CHECK_FALSE(running[0].as_object().contains("context_length"));
  CHECK(running[0].at("gpu") == "gfx1151");
  CHECK(running[1].at("context_length") == 2048);
  CHECK(running[1].at("expires_at") == "2026-11-23T17:45:12.123456789+01:00");

  const json::object show = show_json(s.server, fresh);
  const json::object& info = show.at("model_info").as_object();
  CHECK(info.at("llama.context_length") == 131072);
  std::vector<std::string> keys;
  for (const auto& kv : info) keys.emplace_back(kv.key());
  CHECK(std::is_sorted(keys.begin(), keys.end()));  // a Go map is written with sorted keys
  CHECK(show.at("capabilities").as_array().size() == 1);
  CHECK(show.at("modelfile").as_string().find("FROM /usr/share/ollama") != json::string::npos);
}
