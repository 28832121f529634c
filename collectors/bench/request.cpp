#include "collectors/bench/request.hpp"

#include <boost/json.hpp>

namespace llmon::bench {

namespace json = boost::json;

namespace {

bool is_chat(const BenchPrompt& p) { return p.api == "chat"; }

}  // namespace

std::string make_nonce(std::mt19937_64& rng) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::uint64_t bits = rng();
  std::string out(8, '0');
  for (char& c : out) {
    c = kHex[bits & 0xf];
    bits >>= 4;
  }
  return out;
}

std::string build_request_body(const BenchPrompt& p, const std::string& model,
                               std::optional<std::int64_t> num_ctx, const std::string& nonce,
                               std::string_view think) {
  // The nonce leads: the cache matches prefixes, so a nonce at the end would change nothing.
  const std::string text = "[" + nonce + "] " + p.prompt;
  json::object options;
  options["num_predict"] = p.num_predict;
  options["temperature"] = p.temperature;
  options["seed"] = p.seed;
  if (num_ctx && *num_ctx > 0) options["num_ctx"] = *num_ctx;  // never 0: see usable_num_ctx

  json::object body;
  body["model"] = model;
  if (is_chat(p)) {
    json::object message;
    message["role"] = "user";
    message["content"] = text;
    body["messages"] = json::array{std::move(message)};
  } else {
    body["prompt"] = text;
  }
  if (think == "true" || think == "false") {
    body["think"] = think == "true";
  } else if (!think.empty()) {
    body["think"] = think;
  }
  body["stream"] = true;
  body["options"] = std::move(options);
  return json::serialize(body);
}

std::string api_path(const BenchPrompt& p) { return is_chat(p) ? "/api/chat" : "/api/generate"; }

}  // namespace llmon::bench
