// parse_inference and instant_inference: validation in the order of Ollama's GenerateHandler and
// ChatHandler, with their status codes and messages.
#include <boost/json/array.hpp>

#include "inference.hpp"

namespace fake_ollama {

namespace json = boost::json;

namespace {

constexpr std::string_view kThinkValues = R"(("high", "medium", "low", true, or false))";

Reply not_found(const Scenario& scenario, std::string_view model) {
  if (scenario.server.pull_hint_not_found) {
    return error_reply(404, "model \"" + std::string(model) + "\" not found, try pulling it first");
  }
  return error_reply(404, "model '" + std::string(model) + "' not found");
}

bool has_capability(const ModelSpec& m, std::string_view capability) {
  for (const auto& c : m.capabilities) {
    if (c == capability) return true;
  }
  return false;
}

// server/routes.go shouldUseHarmony: the family, and the harmony tags in the template.
bool uses_harmony(const ModelSpec& m) {
  return (m.family == "gptoss" || m.family == "gpt-oss") &&
         m.template_text.find("<|start|>") != std::string::npos &&
         m.template_text.find("<|end|>") != std::string::npos;
}

// A thinking model's thinking for a request's level. Harmony models (gpt-oss) cannot stop:
// think false, true and no think at all give their default level's (Ollama's docs: booleans
// are ignored for gpt-oss); "low" and "high" their own text, when the scenario has one.
std::string_view thinking_for(const ModelSpec& m, const std::optional<bool>& think,
                              const std::optional<std::string>& level) {
  if (!uses_harmony(m)) return think.value_or(true) ? std::string_view(m.thinking) : "";
  if (level == "low" && !m.thinking_low.empty()) return m.thinking_low;
  if (level == "high" && !m.thinking_high.empty()) return m.thinking_high;
  return m.thinking;
}

// keep_alive per api.Duration.UnmarshalJSON.
std::optional<Nanos> read_keep_alive(const GoFields& fields, std::string& error) {
  const json::value* v = fields.raw("keep_alive");
  if (v == nullptr) return std::nullopt;
  if (v->is_number()) return keep_alive_from_seconds(v->to_number<double>());
  if (v->is_string()) return keep_alive_from_string(v->get_string(), &error);
  const std::string_view kind = go_json_kind(*v);
  error = "Unsupported type: '" +
          std::string(kind == "array"    ? "[]interface {}"
                      : kind == "object" ? "map[string]interface {}"
                                         : kind) +
          "'";
  return std::nullopt;
}

// api.Options.FromMap: integer options take any JSON number (truncated), nothing else.
std::optional<std::int64_t> integer_option(const json::object* options, std::string_view key,
                                           std::string& error) {
  if (options == nullptr) return std::nullopt;
  const json::value* v = options->if_contains(key);
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (!v->is_number()) {
    if (error.empty()) error = "option \"" + std::string(key) + "\" must be of type integer";
    return std::nullopt;
  }
  return static_cast<std::int64_t>(v->to_number<double>());
}

}  // namespace

std::variant<InferenceRequest, Reply> parse_inference(const Scenario& scenario, Endpoint endpoint,
                                                      std::string_view body) {
  const bool chat = endpoint == Endpoint::kChat;
  DecodedBody decoded = decode_request_body(body, chat ? "api.ChatRequest" : "api.GenerateRequest");
  if (!decoded.object) return error_reply(400, decoded.error);
  GoFields fields(*decoded.object, chat ? "ChatRequest" : "GenerateRequest");

  InferenceRequest r;
  r.endpoint = endpoint;
  r.model = fields.string("model").value_or("");
  r.stream = fields.boolean("stream").value_or(true);
  const json::object* options = fields.object("options");
  std::string prompt_text;
  bool has_system = false, has_template = false, has_context = false, has_tools = false;
  if (chat) {
    if (const json::array* messages = fields.array("messages", "[]api.Message")) {
      r.empty = messages->empty();
      for (const auto& item : *messages) {
        if (!item.is_object()) {
          fields.fail("json: cannot unmarshal " + std::string(go_json_kind(item)) +
                      " into Go struct field ChatRequest.messages of type api.Message");
          continue;
        }
        GoFields message(item.get_object(), "Message.messages");
        message.string("role");
        const auto content = message.string("content");
        if (!message.ok()) fields.fail(message.error());
        if (content) prompt_text += (prompt_text.empty() ? "" : "\n") + *content;
      }
    } else {
      r.empty = true;
    }
    const json::array* tools = fields.array("tools", "api.Tools");
    has_tools = tools != nullptr && !tools->empty();
  } else {
    const std::string prompt = fields.string("prompt").value_or("");
    const std::string system = fields.string("system").value_or("");
    has_template = !fields.string("template").value_or("").empty();
    has_system = !system.empty();
    r.raw = fields.boolean("raw").value_or(false);
    has_context = fields.array("context", "[]int") != nullptr;
    r.empty = prompt.empty();
    prompt_text = (r.raw || system.empty()) ? prompt : system + "\n" + prompt;
  }
  std::string keep_alive_error;
  r.keep_alive = read_keep_alive(fields, keep_alive_error);
  std::optional<std::string> think_level;
  std::optional<bool> think;
  if (const json::value* t = fields.raw("think")) {
    if (t->is_bool()) {
      think = t->get_bool();
    } else if (t->is_string() && (t->get_string() == "high" || t->get_string() == "medium" ||
                                  t->get_string() == "low")) {
      think_level = std::string(t->get_string());
      think = true;
    } else if (t->is_string()) {
      fields.fail("invalid think value: \"" + std::string(t->get_string()) + "\" (must be " +
                  std::string(kThinkValues.substr(1, kThinkValues.size() - 2)) + ")");
    } else {
      fields.fail("think must be a boolean or string " + std::string(kThinkValues));
    }
  }
  if (!fields.ok()) return error_reply(400, fields.error());
  if (!keep_alive_error.empty()) return error_reply(400, keep_alive_error);

  if (r.model.empty()) {
    return chat ? error_reply(400, "model is required") : error_reply(404, "model '' not found");
  }
  r.spec = scenario.find(r.model);
  if (r.spec == nullptr) return not_found(scenario, r.model);
  if (r.empty && r.keep_alive && *r.keep_alive == 0) return r;  // unload: no further checks
  if (r.raw && (has_template || has_system || has_context)) {
    return error_reply(400, "raw mode does not support template, system, or context");
  }
  if (think_level && !uses_harmony(*r.spec)) {
    return error_reply(400, "think value \"" + *think_level + "\" is not supported for this model");
  }
  if (has_capability(*r.spec, "thinking")) {
    r.thinking = thinking_for(*r.spec, think, think_level);
  } else if (think.value_or(false)) {
    return error_reply(400, "\"" + r.model + "\" does not support thinking");
  }
  if (has_tools && !has_capability(*r.spec, "tools")) {
    return error_reply(400, qualified_model_name(r.model) + " does not support tools");
  }
  if (!has_capability(*r.spec, "completion")) {
    return error_reply(400, "\"" + r.model + "\" does not support " + (chat ? "chat" : "generate"));
  }
  std::string option_error;
  const auto num_ctx = integer_option(options, "num_ctx", option_error);
  r.num_predict = integer_option(options, "num_predict", option_error).value_or(-1);
  if (!option_error.empty()) return error_reply(500, option_error);
  // A num_ctx that is present is taken literally, 0 and negative included (api.Options.FromMap),
  // then raised to sched.go's floor of 4.
  if (num_ctx) r.num_ctx = std::max<std::int64_t>(*num_ctx, 4);
  r.prompt = std::move(prompt_text);
  return r;
}

Metrics answer_metrics(const ModelSpec& model, std::string_view prompt, std::int64_t eval_count,
                       Nanos total, Nanos load) {
  Metrics m;
  m.total_duration = total;
  m.load_duration = load;
  m.prompt_eval_count = std::max<std::int64_t>(1, prompt_tokens(prompt));
  m.prompt_eval_duration = tokens_duration(m.prompt_eval_count, model.prompt_tokens_per_second);
  m.eval_count = eval_count;
  m.eval_duration = tokens_duration(eval_count, model.tokens_per_second);
  return m;
}

Nanos first_token_delay(const ModelSpec& model, std::string_view prompt) {
  const auto count = std::max<std::int64_t>(1, prompt_tokens(prompt));
  return std::max(model.ttft, tokens_duration(count, model.prompt_tokens_per_second));
}

Reply instant_inference(const Scenario& scenario, Endpoint endpoint, std::string_view body) {
  auto parsed = parse_inference(scenario, endpoint, body);
  if (auto* reply = std::get_if<Reply>(&parsed)) return *reply;
  const InferenceRequest& r = std::get<InferenceRequest>(parsed);
  const std::string now = format_rfc3339_nano(wall_now(), 0);
  if (r.empty) {
    const bool unload = r.keep_alive && *r.keep_alive == 0;
    return json_reply(200, lifecycle_reply(endpoint, r.model, now, unload ? "unload" : "load"));
  }
  const Answer answer = plan_answer(*r.spec, r.prompt, r.thinking, r.num_predict);
  const auto count = static_cast<std::int64_t>(answer.tokens.size());
  Metrics metrics = answer_metrics(*r.spec, r.prompt, count, 0, 0);
  metrics.total_duration = first_token_delay(*r.spec, r.prompt) + metrics.eval_duration;
  FinalParts parts{answer.done_reason, metrics, std::nullopt, "", ""};
  if (endpoint == Endpoint::kGenerate && !r.raw) {
    parts.context = fake_context(metrics.prompt_eval_count + count);
  }
  if (!r.stream) {
    for (const auto& t : answer.tokens) (t.thinking ? parts.thinking : parts.response) += t.text;
    return json_reply(200, final_chunk(endpoint, r.model, now, parts));
  }
  std::string lines;
  for (const auto& t : answer.tokens)
    lines += to_go_json(stream_chunk(endpoint, r.model, now, t)) + "\n";
  lines += to_go_json(final_chunk(endpoint, r.model, now, parts)) + "\n";
  return Reply{200, std::string(kNdjsonType), std::move(lines)};
}

}  // namespace fake_ollama
