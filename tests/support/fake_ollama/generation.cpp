// The generation half of responses.hpp: answers as tokens, and the objects that carry them.
#include <cctype>
#include <cmath>

#include "responses.hpp"

namespace fake_ollama {

namespace json = boost::json;

namespace {

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

// `count` tokens cycling through `words`; a repeat starts with a space so words stay apart.
std::vector<std::string> cycle(const std::vector<std::string>& words, std::int64_t count) {
  std::vector<std::string> out;
  if (words.empty()) {
    out.assign(static_cast<std::size_t>(count), std::string());
    return out;
  }
  const std::size_t n = words.size();
  for (std::int64_t i = 0; i < count; ++i) {
    const std::size_t k = static_cast<std::size_t>(i) % n;
    std::string token = words[k];
    if (i >= static_cast<std::int64_t>(n) && k == 0 && !token.empty() && !is_space(token[0])) {
      token.insert(token.begin(), ' ');
    }
    out.push_back(std::move(token));
  }
  return out;
}

}  // namespace

std::int64_t prompt_tokens(std::string_view text) {
  return static_cast<std::int64_t>((text.size() + 3) / 4);
}

Nanos tokens_duration(std::int64_t tokens, double per_second) {
  if (tokens <= 0 || !(per_second > 0)) return 0;
  return static_cast<Nanos>(std::llround(static_cast<double>(tokens) / per_second *
                                         static_cast<double>(kNanosPerSecond)));
}

std::vector<std::string> word_tokens(std::string_view text) {
  std::vector<std::string> tokens;
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t start = i;
    while (i < text.size() && is_space(text[i])) ++i;
    while (i < text.size() && !is_space(text[i])) ++i;
    tokens.emplace_back(text.substr(start, i - start));
  }
  return tokens;
}

Answer plan_answer(const ModelSpec& model, std::string_view prompt, std::string_view thinking,
                   std::int64_t num_predict) {
  std::string_view text = model.response;
  for (const auto& rule : model.replies) {
    if (prompt.find(rule.when) != std::string_view::npos) {
      text = rule.response;
      break;
    }
  }
  const std::vector<std::string> words = word_tokens(text);
  const std::int64_t content_count =
      model.eval_count > 0 ? model.eval_count : static_cast<std::int64_t>(words.size());

  Answer answer;
  for (auto& t : word_tokens(thinking)) answer.tokens.push_back({std::move(t), true});
  for (auto& t : cycle(words, content_count)) answer.tokens.push_back({std::move(t), false});
  answer.done_reason = "stop";
  if (num_predict > 0 && static_cast<std::int64_t>(answer.tokens.size()) > num_predict) {
    answer.tokens.resize(static_cast<std::size_t>(num_predict));
    answer.done_reason = "length";
  }
  return answer;
}

json::array fake_context(std::int64_t count) {
  json::array ids;
  for (std::int64_t i = 0; i < count; ++i) ids.emplace_back((i * 7919 + 151) % 150000 + 1);
  return ids;
}

namespace {

json::object message(std::string_view content, std::string_view thinking) {
  json::object m;
  m["role"] = "assistant";
  m["content"] = content;
  if (!thinking.empty()) m["thinking"] = thinking;
  return m;
}

}  // namespace

json::object stream_chunk(Endpoint endpoint, std::string_view model, std::string_view created_at,
                          const Token& token) {
  const std::string_view content = token.thinking ? std::string_view() : token.text;
  const std::string_view thinking = token.thinking ? std::string_view(token.text) : "";
  json::object out;
  out["model"] = model;
  out["created_at"] = created_at;
  if (endpoint == Endpoint::kGenerate) {
    out["response"] = content;
    if (!thinking.empty()) out["thinking"] = thinking;
  } else {
    out["message"] = message(content, thinking);
  }
  out["done"] = false;
  return out;
}

json::object final_chunk(Endpoint endpoint, std::string_view model, std::string_view created_at,
                         const FinalParts& parts) {
  json::object out;
  out["model"] = model;
  out["created_at"] = created_at;
  if (endpoint == Endpoint::kGenerate) {
    out["response"] = parts.response;
    if (!parts.thinking.empty()) out["thinking"] = parts.thinking;
  } else {
    out["message"] = message(parts.response, parts.thinking);
  }
  out["done"] = true;
  if (!parts.done_reason.empty()) out["done_reason"] = parts.done_reason;
  if (endpoint == Endpoint::kGenerate && parts.context && !parts.context->empty()) {
    out["context"] = *parts.context;
  }
  add_metrics(out, parts.metrics);
  return out;
}

json::object lifecycle_reply(Endpoint endpoint, std::string_view model, std::string_view created_at,
                             std::string_view done_reason) {
  FinalParts parts;
  parts.done_reason = std::string(done_reason);
  return final_chunk(endpoint, model, created_at, parts);
}

}  // namespace fake_ollama
