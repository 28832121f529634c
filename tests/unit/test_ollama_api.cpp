#include <doctest/doctest.h>

#include <cmath>

#include "collectors/ollama/api.hpp"
#include "collectors/ollama/families.hpp"
#include "collectors/ollama/model_limits.hpp"
#include "collectors/ollama/model_tracker.hpp"
#include "common/label_value.hpp"
#include "common/ollama_url.hpp"
#include "exporters/snapshot_store.hpp"
#include "metrics_test_support.hpp"

using namespace llmon;
using llmon::test::has;
using llmon::test::render;
using namespace llmon::ollama;

namespace {

const char* kPs = R"({"models":[
 {"name":"qwen3-coder:30b-a3b-q8_0","model":"qwen3-coder:30b-a3b-q8_0","size":34359738368,
  "digest":"sha256:06f9a4a6c8d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7",
  "details":{"parent_model":"","format":"gguf","family":"qwen3moe","families":["qwen3moe"],
             "parameter_size":"30.5B","quantization_level":"Q8_0"},
  "expires_at":"2026-11-23T17:45:12.123456789+01:00","size_vram":34359738368,
  "context_length":262144},
 {"name":"hf.co/org/Repo-GGUF:Q4_K_M","model":"hf.co/org/Repo-GGUF:Q4_K_M","size":0,
  "digest":"abcdef0123456789abcdef","details":{"format":"gguf","family":"llama","families":null,
  "parameter_size":"3.2B","quantization_level":"Q4_K_M","brand_new":{"x":[1,2]}},
  "expires_at":"2318-03-01T12:00:00Z","size_vram":0,"future_field":true},
 {"name":"llama3.2:3b","model":"llama3.2:3b","size":4000000000,"digest":"",
  "details":{},"expires_at":"2026-11-23T16:00:00.5-05:30","size_vram":1000000000}
]})";

}  // namespace

TEST_CASE("ollama api: /api/ps with real-world oddities") {
  auto ps = parse_ps(kPs);
  REQUIRE_MESSAGE(ps.ok(), (ps.ok() ? "" : ps.error().message));
  REQUIRE(ps->size() == 3);
  const auto& a = (*ps)[0];
  CHECK(a.name == "qwen3-coder:30b-a3b-q8_0");
  CHECK(a.size == 34359738368);
  CHECK(*a.size_vram == 34359738368);
  CHECK(*a.context_length == 262144);
  CHECK(a.details.family == "qwen3moe");
  CHECK(a.details.families == std::vector<std::string>{"qwen3moe"});
  CHECK(a.details.quantization_level == "Q8_0");
  // 2026-11-23T16:45:12.123456789Z
  CHECK(*a.expires_at == doctest::Approx(1795452312.123456789).epsilon(1e-12));
  const auto& b = (*ps)[1];
  CHECK(b.name == "hf.co/org/Repo-GGUF:Q4_K_M");
  CHECK(b.details.families.empty());
  CHECK_FALSE(b.context_length);  // older servers: absent, not 0
  CHECK(b.size == 0);
  CHECK(*b.expires_at > 1.0e10);  // 292 years ahead
  const auto& c = (*ps)[2];
  CHECK(*c.expires_at == doctest::Approx(1795469400.5));  // -05:30
}

TEST_CASE("ollama api: empty and null model lists") {
  CHECK(parse_ps(R"({"models":[]})")->empty());
  CHECK(parse_ps(R"({"models":null})")->empty());
  CHECK(parse_tags(R"({"models":[]})")->empty());
}

TEST_CASE("ollama api: malformed and truncated documents give located errors") {
  auto truncated = parse_ps(std::string(kPs).substr(0, 200));
  REQUIRE_FALSE(truncated.ok());
  CHECK(has(truncated.error().message, "/api/ps: invalid JSON at byte"));
  CHECK(has(parse_ps("").error().message, "invalid JSON"));
  CHECK(has(parse_ps("<html>502 Bad Gateway</html>").error().message, "invalid JSON at byte 0"));
  CHECK(parse_ps("[]").error().message == "/api/ps: expected a JSON object, found an array");
  CHECK(parse_ps("{}").error().message == "/api/ps: no \"models\" field");
  CHECK(parse_ps(R"({"models":{}})").error().message ==
        "/api/ps: models: expected an array, found an object");
  CHECK(parse_ps(R"({"models":[{"name":"x","size":"big"}]})").error().message ==
        "/api/ps: models[0].size: expected an integer, found a string");
  CHECK(parse_ps(R"({"models":[{"name":"x","details":{"family":7}}]})").error().message ==
        "/api/ps: models[0].details.family: expected a string, found a number");
  CHECK(has(parse_ps(R"({"models":[{"name":"x","expires_at":"tomorrow"}]})").error().message,
            "models[0].expires_at: invalid RFC 3339 time"));
  CHECK(parse_ps(R"({"models":[{"size":1}]})").error().message ==
        "/api/ps: models[0]: no model name");
  CHECK(parse_ps(R"({"models":[3]})").error().message ==
        "/api/ps: models[0]: expected an object, found a number");
  std::string deep(100, '[');
  CHECK_FALSE(parse_ps(deep).ok());
}

TEST_CASE("ollama api: /api/version and /api/tags") {
  CHECK(*parse_version(R"({"version":"0.12.11"})") == "0.12.11");
  CHECK(*parse_version(R"({"version":"0.12.11","extra":1})") == "0.12.11");
  CHECK_FALSE(parse_version(R"({"version":12})").ok());
  CHECK_FALSE(parse_version(R"({})").ok());
  CHECK_FALSE(parse_version("Ollama is running").ok());
  auto tags = parse_tags(R"({"models":[{"name":"gpt-oss:20b","model":"gpt-oss:20b",
    "modified_at":"2025-08-05T20:01:02.123456-07:00","size":13780173839,
    "digest":"aa4295ac10c3afb60e6d711289fc6896f5aef82258997b9efdaed6d0cc4cd8b8",
    "details":{"parent_model":"","format":"gguf","family":"gptoss","families":["gptoss"],
    "parameter_size":"20.9B","quantization_level":"MXFP4"}}]})");
  REQUIRE(tags.ok());
  CHECK((*tags)[0].size == 13780173839);
  CHECK((*tags)[0].modified_at.has_value());
}

TEST_CASE("ollama api: RFC 3339 times") {
  CHECK(*parse_rfc3339("1970-01-01T00:00:00Z") == 0);
  CHECK(*parse_rfc3339("2000-02-29T12:00:00+02:00") == 951818400);
  CHECK(*parse_rfc3339("2024-06-04T14:38:31.83753-07:00") == doctest::Approx(1717537111.83753));
  CHECK(*parse_rfc3339("0001-01-01T00:00:00Z") == -62135596800.0);
  CHECK(*parse_rfc3339("2318-03-01T00:00:00Z") == doctest::Approx(10986883200.0));
  for (const char* bad :
       {"", "2024-13-01T00:00:00Z", "2023-02-29T00:00:00Z", "2024-01-01T00:00:00",
        "2024-01-01T00:00:00.Z", "2024-01-01T00:00:00.1234567890Z", "2024-01-01T25:00:00Z",
        "2024-01-01T00:00:00+0100", "2024-01-01T00:00:00Zjunk"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_rfc3339(bad).ok());
  }
}

TEST_CASE("ollama api: error bodies and digests") {
  CHECK(error_message(R"({"error":"model 'x' not found"})") == "model 'x' not found");
  CHECK(error_message("404 page not found") == "404 page not found");
  CHECK(error_message(std::string(1000, 'a')).size() == 200);
  // A hostile server's error text: bounded, one line, and cut between UTF-8 characters.
  const std::string huge = std::string(199, 'x') + "\xC3\xA9" + std::string(1 << 20, 'y');
  const std::string cut = error_message(R"({"error":")" + huge + R"("})");
  CHECK(cut == label_value(huge));
  CHECK(cut.size() <= kMaxLabelValueBytes);
  CHECK(cut.rfind(std::string(199, 'x') + "\xC3\xA9", 0) == 0);
  // Forged log lines stay on one line, the escape sequence visible.
  CHECK(error_message(R"({"error":"fake\nlevel=error msg=\u001b[31mforged"})") ==
        "fake\u240Alevel=error msg=\u241B[31mforged");
  CHECK(short_digest("sha256:06f9a4a6c8d1e2f3a4b5") == "06f9a4a6c8d1");
  CHECK(short_digest("abc") == "abc");
}

TEST_CASE("ollama address: OLLAMA_HOST forms") {
  CHECK(parse_ollama_address("http://127.0.0.1:11434")->url == "http://127.0.0.1:11434");
  CHECK(parse_ollama_address("127.0.0.1")->url == "http://127.0.0.1:11434");
  CHECK(parse_ollama_address("box.lan:11435")->url == "http://box.lan:11435");
  CHECK(parse_ollama_address("0.0.0.0:11435")->url == "http://127.0.0.1:11435");
  CHECK(parse_ollama_address(":11435")->url == "http://127.0.0.1:11435");
  CHECK(parse_ollama_address("[::1]:11434")->host == "::1");
  CHECK(parse_ollama_address("http://[::]:11434")->url == "http://[::1]:11434");
  CHECK(parse_ollama_address("http://localhost/")->port == 11434);
  CHECK(has(parse_ollama_address("https://x").error().message, "only http://"));
  CHECK_FALSE(parse_ollama_address("http://x:11434/api").ok());
  CHECK_FALSE(parse_ollama_address("http://x:99999").ok());
  CHECK_FALSE(parse_ollama_address("http://u:p@x:1").ok());
  CHECK_FALSE(parse_ollama_address("").ok());
}

TEST_CASE("ollama tracker: loads and unloads between polls, not at the first") {
  LoadedModel a{"a", "a", "d1", 1, {}, {}, {}, 4096, {}};
  LoadedModel b{"b", "b", "d2", 1, {}, {}, {}, {}, {}};
  LoadTracker t;
  t.observe({a});
  CHECK(t.counters().at("a").loads == 0);
  t.observe({a, b});
  CHECK(t.counters().at("b").loads == 1);
  t.observe({b});
  CHECK(t.counters().at("a").unloads == 1);
  LoadedModel b_reloaded = b;
  b_reloaded.context_length = 8192;  // a num_ctx change reloads the model
  t.observe({b_reloaded});
  CHECK(t.counters().at("b").loads == 2);
  CHECK(t.counters().at("b").unloads == 1);
  CHECK(t.counters().at("a").loads == 0);  // models that left keep their counters
}

TEST_CASE("ollama families: ratios, +Inf for pinned models, absent values") {
  auto ps = parse_ps(kPs);
  REQUIRE(ps.ok());
  PollResult poll{"box", true, "0.12.11", *ps, std::vector<AvailableModel>{}, std::nullopt};
  LoadTracker t;
  t.observe(poll.loaded);
  const double now = 1795450000;
  const auto text = render(ollama_families(poll, t.counters(), now));
  CHECK(has(text, "llmon_ollama_up{ollama=\"box\"} 1"));
  CHECK(has(text, "llmon_ollama_info{ollama=\"box\",version=\"0.12.11\"} 1"));
  CHECK(has(text, "llmon_ollama_models_loaded{ollama=\"box\"} 3"));
  CHECK(has(text,
            "llmon_ollama_model_gpu_ratio{model=\"qwen3-coder:30b-a3b-q8_0\",ollama=\"box\"} 1\n"));
  CHECK(has(text, "llmon_ollama_model_gpu_ratio{model=\"llama3.2:3b\",ollama=\"box\"} 0.25\n"));
  CHECK_FALSE(has(text, "llmon_ollama_model_gpu_ratio{model=\"hf.co"));  // size 0: unknown
  CHECK_FALSE(has(text, "llmon_ollama_model_size_bytes{model=\"hf.co"));
  CHECK(has(text,
            "llmon_ollama_model_expiry_timestamp_seconds{model=\"hf.co/org/"
            "Repo-GGUF:Q4_K_M\",ollama=\"box\"} +Inf"));
  CHECK(has(text,
            "llmon_ollama_model_context_length{model=\"qwen3-coder:30b-a3b-q8_0\",ollama=\"box\"} "
            "262144"));
  CHECK_FALSE(has(text, "llmon_ollama_model_context_length{model=\"hf.co"));
  CHECK(has(text, "digest=\"06f9a4a6c8d1\""));
  CHECK(has(text, "llmon_ollama_models_available{ollama=\"box\"} 0"));
  CHECK(has(text, "llmon_ollama_model_loads_total{model=\"llama3.2:3b\",ollama=\"box\"} 0"));

  PollResult down{"box", false, "", {}, std::nullopt, std::nullopt};
  const auto down_text = render(ollama_families(down, t.counters(), now));
  CHECK(down_text ==
        "# HELP llmon_ollama_up 1 when the Ollama instance answered /api/version, /api/ps and "
        "/api/tags with valid documents.\n# TYPE llmon_ollama_up gauge\n"
        "llmon_ollama_up{ollama=\"box\"} 0\n");
}

TEST_CASE("ollama api: impossible numbers are absent and named in the model's note") {
  auto ps = parse_ps(R"({"models":[
    {"name":"neg","size":4000000000,"size_vram":-1,"context_length":-4096},
    {"name":"max","size":9223372036854775807,"size_vram":9223372036854775807,
     "context_length":9223372036854775807},
    {"name":"above","size":1000,"size_vram":2000,"context_length":0},
    {"name":"fine","size":4000000000,"size_vram":1000000000,"context_length":8192}]})");
  REQUIRE(ps.ok());
  const auto& neg = (*ps)[0];
  CHECK(neg.size == 4000000000);
  CHECK_FALSE(neg.size_vram);
  CHECK_FALSE(neg.context_length);
  CHECK(neg.impossible == "size_vram -1; context_length -4096");
  const auto& max = (*ps)[1];
  CHECK(max.size == 0);  // unknown, as Ollama's own 0
  CHECK_FALSE(max.size_vram);
  CHECK_FALSE(max.context_length);
  CHECK(max.impossible ==
        "size 9223372036854775807; size_vram 9223372036854775807; context_length "
        "9223372036854775807");
  const auto& above = (*ps)[2];
  CHECK_FALSE(above.size_vram);       // more on the GPU than the whole model
  CHECK_FALSE(above.context_length);  // 0: not known yet, absent but not impossible
  CHECK(above.impossible == "size_vram 2000 above size 1000");
  const auto& fine = (*ps)[3];
  CHECK(fine.impossible.empty());
  CHECK(*fine.size_vram == 1000000000);
  CHECK(*fine.context_length == 8192);

  auto tags = parse_tags(R"({"models":[{"name":"t","size":-5},{"name":"u","size":7}]})");
  REQUIRE(tags.ok());
  CHECK((*tags)[0].size == 0);
  CHECK((*tags)[0].impossible == "size -5");
  CHECK((*tags)[1].impossible.empty());
}

TEST_CASE("ollama families: impossible values and raw control characters never reach the text") {
  auto ps = parse_ps(R"({"models":[
    {"name":"evil\u001b[31m\u0000","size":4000000000,"size_vram":-1,"context_length":-4096,
     "details":{"family":"llama\u0007"}},
    {"name":"big","size":9223372036854775807,"size_vram":9223372036854775807}]})");
  REQUIRE(ps.ok());
  PollResult poll{"box", true, std::string("0.12\0\x1b", 6), *ps, std::nullopt, std::nullopt};
  const auto text = render(ollama_families(poll, {}, 0));
  for (const char* bad : {"-1\n", "-4096", "9223372036854775807", "9.22337e+18",
                          "9.223372036854776e+18", "gpu_ratio{model=\"big\""}) {
    CAPTURE(bad);
    CHECK_FALSE(has(text, bad));
  }
  CHECK(text.find('\x1b') == std::string::npos);
  CHECK(text.find('\0') == std::string::npos);
  CHECK(text.find('\x07') == std::string::npos);
  CHECK(has(text, "model=\"evil\xE2\x90\x9B[31m\xE2\x90\x80\""));  // ␛ and ␀
  CHECK(has(text, "version=\"0.12\xE2\x90\x80\xE2\x90\x9B\""));
  CHECK(has(text, "llmon_ollama_model_size_bytes{model=\"evil"));  // the plausible size stays
}

TEST_CASE("ollama api: text fields are bounded, a 4 MB model name costs 256 bytes") {
  const std::string huge(4'000'000, 'q');
  const std::string real(593, 'r');  // the longest name Ollama itself accepts
  std::string families;
  for (int i = 0; i < 1000; ++i) families += std::string(i ? "," : "") + "\"f\"";
  auto ps =
      parse_ps(R"({"models":[{"name":")" + huge + R"(","digest":")" + huge +
               R"(","details":{"families":[)" + families + R"(]}},{"name":")" + real + R"("}]})");
  REQUIRE(ps.ok());
  CHECK((*ps)[0].name == label_value(huge));
  CHECK((*ps)[0].name.size() <= kMaxLabelValueBytes);
  CHECK((*ps)[0].model == (*ps)[0].name);
  CHECK((*ps)[0].digest.size() <= kMaxLabelValueBytes);
  CHECK((*ps)[0].details.families.size() == kMaxListItems);
  CHECK((*ps)[1].name == real);  // kept whole: a benchmark sends it back to Ollama
  CHECK(*parse_version(R"({"version":")" + huge + R"("})") == label_value(huge));
  CHECK(error_message(R"({"error":")" + huge + R"("})") == label_value(huge));

  PollResult poll{"box", true, "0.12.11", *ps, std::nullopt, std::nullopt};
  LoadTracker t;
  t.observe(poll.loaded);
  const auto text = render(ollama_families(poll, t.counters(), 0));
  CHECK(text.size() < 16 * 1024);
  CHECK(has(text, "model=\"" + std::string(245, 'q') + "\xE2\x80\xA6" + label_hash(huge) + "\""));
}

TEST_CASE("ollama limits: /api/ps keeps the first 64 models by name, in their order") {
  auto doc = [](int from, int to) {  // models m<from> down to m<to>, then a second m000
    std::string json = R"({"models":[)";
    for (int i = from; i >= to; --i) {
      const std::string n = std::to_string(i);
      json += R"({"name":"m)" + std::string(3 - n.size(), '0') + n + R"("},)";
    }
    return json + R"({"name":"m000","size":1}]})";
  };
  auto few = parse_ps(doc(2, 0), kMaxLoadedModels);
  REQUIRE(few.ok());
  CHECK(few->models.size() == 4);
  CHECK(few->left_out == 0);

  auto many = parse_ps(doc(199, 0), kMaxLoadedModels);
  REQUIRE(many.ok());
  CHECK(many->left_out == 201 - kMaxLoadedModels);
  REQUIRE(many->models.size() == kMaxLoadedModels);
  CHECK(many->models.front().name == "m062");  // /api/ps listed m199 ... m000: that order stays
  CHECK(many->models[62].name == "m000");
  CHECK(many->models[63].name == "m000");
  CHECK(many->models[63].size == 1);
  CHECK(parse_ps(doc(199, 0))->size() == 201);  // without a limit, all of them
  // Every entry is still checked, kept or not.
  CHECK_FALSE(parse_ps(R"({"models":[{"name":"a"},{"name":"z","size":"big"}]})", 1).ok());

  PollResult poll{"box", true, "0.12.11", many->models, std::nullopt, std::nullopt};
  poll.loaded_left_out = many->left_out;
  poll.dropped_models_total = 111;
  const auto text = render(ollama_families(poll, {}, 0));
  CHECK(has(text, "llmon_ollama_models_loaded{ollama=\"box\"} 201\n"));  // what /api/ps said
  CHECK(has(text, "llmon_ollama_dropped_models_total{ollama=\"box\"} 111\n"));
  CHECK_FALSE(has(text, "model=\"m063\""));
  CHECK(has(text, "llmon_ollama_model_size_bytes{model=\"m000\",ollama=\"box\"} 1\n"));
}

TEST_CASE("ollama tracker: counters of models gone longest are forgotten beyond the limit") {
  LoadTracker t(4);
  auto model = [](int i) {
    LoadedModel m;
    m.name = "m" + std::to_string(i);
    return m;
  };
  t.observe({model(0), model(1)});
  for (int i = 2; i < 10; ++i) t.observe({model(0), model(i)});  // m0 stays, others come and go
  CHECK(t.counters().size() == 4);
  CHECK(t.forgotten() == 6);
  CHECK(t.counters().count("m0") == 1);  // loaded: never forgotten
  CHECK(t.counters().count("m9") == 1);
  CHECK(t.counters().count("m8") == 1);  // left at the last poll
  CHECK(t.counters().count("m7") == 1);
  CHECK(t.counters().count("m6") == 0);
  CHECK(t.counters().at("m8").unloads == 1);
}
