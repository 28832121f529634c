// Thinking models: what /api/show tells, the `think` value sent, the [[bench.prompt]] key.
#include <doctest/doctest.h>

#include <boost/json.hpp>

#include "collectors/bench/request.hpp"
#include "collectors/bench/think.hpp"
#include "daemon/config.hpp"

using namespace llmon;
using namespace llmon::bench;
namespace json = boost::json;

namespace {

// Shapes of real /api/show answers (trimmed): qwen3 (thinks, takes booleans), gpt-oss
// (harmony template: takes levels only), an embedding model, a server before capabilities.
const char* kQwen3 =
    R"({"template":"{{- if .Messages }}<|im_start|>...","details":{"parent_model":"",)"
    R"("format":"gguf","family":"qwen3","families":["qwen3"]},"model_info":{},)"
    R"("capabilities":["completion","tools","thinking"]})";
const char* kGptOss =
    R"({"template":"<|start|>system<|message|>Reasoning: {{ .ThinkLevel }}<|end|>{{ .Prompt }}",)"
    R"("details":{"family":"gptoss"},"capabilities":["completion","tools","thinking"]})";
const char* kEmbed = R"({"details":{"family":"nomic-bert"},"capabilities":["embedding"]})";
const char* kOld = R"({"modelfile":"FROM x","details":{"family":"llama"}})";

ModelTraits traits_of(const char* show) {
  auto parsed = ollama::parse_show(show);
  REQUIRE(parsed.ok());
  return model_traits(*parsed);
}

Expected<Config> config_with_think(const std::string& value) {
  return parse_config(
      "[[bench.prompt]]\nname = \"p\"\nprompt = \"Say hi\"\nthink = " + value + "\n", "t.toml");
}

}  // namespace

TEST_CASE("bench think: /api/show tells thinking and levels-only models apart as Ollama does") {
  const ModelTraits qwen = traits_of(kQwen3);
  CHECK(qwen.can_generate);
  CHECK(qwen.thinking);
  CHECK_FALSE(qwen.think_levels);
  const ModelTraits oss = traits_of(kGptOss);
  CHECK(oss.thinking);
  CHECK(oss.think_levels);
  CHECK_FALSE(traits_of(kEmbed).can_generate);
  const ModelTraits old = traits_of(kOld);
  CHECK(old.can_generate);  // unknown capabilities: assumed to generate, not to think
  CHECK_FALSE(old.thinking);
  // Ollama's shouldUseHarmony needs both the family and the template's tags.
  CHECK_FALSE(traits_of(R"({"details":{"family":"gptoss"},"template":"{{ .Prompt }}",)"
                        R"("capabilities":["completion","thinking"]})")
                  .think_levels);
  CHECK(traits_of(R"({"details":{"family":"gpt-oss"},"template":"<|start|>x<|end|>",)"
                  R"("capabilities":["completion","thinking"]})")
            .think_levels);
  CHECK_FALSE(ollama::parse_show(R"({"capabilities":"thinking"})").ok());
  CHECK_FALSE(ollama::parse_show("[]").ok());
}

TEST_CASE("bench think: the value sent is the lowest the model accepts unless configured") {
  const ModelTraits none{};
  const ModelTraits qwen{true, true, false};
  const ModelTraits oss{true, true, true};
  // Default: as little thinking as possible.
  CHECK(think_value(std::nullopt, none) == "");  // never sent to a model that cannot think
  CHECK(think_value(std::nullopt, qwen) == "false");
  CHECK(think_value(std::nullopt, oss) == "low");  // gpt-oss ignores false: low is its least
  // Configured.
  CHECK(think_value("true", none) == "");  // true would be a 400 "does not support thinking"
  CHECK(think_value("false", oss) == "low");
  CHECK(think_value("true", qwen) == "true");
  CHECK(think_value("true", oss) == "true");
  CHECK(think_value("high", oss) == "high");
  CHECK(think_value("medium", qwen) == "true");  // Ollama 0.12 answers 400 to a level here
}

TEST_CASE("bench think: the request carries think as Ollama's ThinkValue (boolean or level)") {
  const BenchPrompt& p = builtin_suite()[0];
  auto body = [&](std::string_view think) {
    return json::parse(build_request_body(p, "m", std::nullopt, "00000000", think)).as_object();
  };
  CHECK_FALSE(body("").contains("think"));
  CHECK(body("false").at("think") == false);
  CHECK(body("true").at("think") == true);
  CHECK(body("low").at("think") == "low");
}

TEST_CASE("bench think: [[bench.prompt]] think takes false, true or a level") {
  for (const auto& row : {std::pair{"false", "false"}, std::pair{"true", "true"},
                          std::pair{"\"low\"", "low"}, std::pair{"\"high\"", "high"}}) {
    // Not a structured binding: clang 14 cannot capture one (CAPTURE is a lambda).
    const char* toml = row.first;
    const char* want = row.second;
    CAPTURE(toml);
    auto c = config_with_think(toml);
    REQUIRE_MESSAGE(c.ok(), (c.ok() ? "" : c.error().message));
    CHECK(c->bench.prompts.at(0).think == std::optional<std::string>(want));
    // The effective configuration prints it back as written.
    auto again = parse_config(render_config(*c), "again.toml");
    REQUIRE(again.ok());
    CHECK(again->bench.prompts.at(0).think == std::optional<std::string>(want));
  }
  auto absent = parse_config("[[bench.prompt]]\nname = \"p\"\nprompt = \"x\"\n", "t.toml");
  REQUIRE(absent.ok());
  CHECK_FALSE(absent->bench.prompts.at(0).think);
  for (const char* bad : {"\"max\"", "\"off\"", "0"}) {
    CAPTURE(bad);
    auto c = config_with_think(bad);
    REQUIRE_FALSE(c.ok());
    CHECK(c.error().message.find(
              "t.toml:4:9: bench.prompt[0].think: expected false, true, \"low\", \"medium\" or "
              "\"high\", found ") != std::string::npos);
  }
}
