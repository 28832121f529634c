#include "collectors/bench/think.hpp"

#include <algorithm>

namespace llmon::bench {

namespace {

bool has(const std::vector<std::string>& list, const char* value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace

ModelTraits model_traits(const ollama::ShowInfo& show) {
  ModelTraits t;
  t.can_generate = ollama::can_generate(show.capabilities);
  t.thinking = has(show.capabilities, "thinking");
  // Ollama's own rule for harmony models (server/routes.go shouldUseHarmony).
  t.think_levels = (show.family == "gptoss" || show.family == "gpt-oss") && show.harmony_template;
  return t;
}

std::string think_value(const std::optional<std::string>& setting, const ModelTraits& model) {
  if (!model.thinking) return "";
  const std::string s = setting.value_or("false");
  if (s == "true") return "true";
  if (s == "low" || s == "medium" || s == "high") return model.think_levels ? s : "true";
  return model.think_levels ? "low" : "false";
}

}  // namespace llmon::bench
