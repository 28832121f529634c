#pragma once
// Reply: a complete HTTP answer (status, content type, body) as the route handlers produce it
// before faults, if any, distort it. Plain value type; thread-safe as any value.
#include <boost/json/value.hpp>
#include <string>
#include <string_view>

#include "go_json.hpp"

namespace fake_ollama {

// The content types Ollama's gin handlers send.
inline constexpr std::string_view kJsonType = "application/json; charset=utf-8";
inline constexpr std::string_view kTextType = "text/plain; charset=utf-8";
inline constexpr std::string_view kNdjsonType = "application/x-ndjson";
// gin's own 404/405 pages are plain "text/plain".
inline constexpr std::string_view kGinTextType = "text/plain";

struct Reply {
  int status = 200;
  std::string content_type;
  std::string body;
};

inline Reply json_reply(int status, const boost::json::value& value) {
  return Reply{status, std::string(kJsonType), to_go_json(value)};
}

inline Reply error_reply(int status, std::string_view message) {
  return Reply{status, std::string(kJsonType), error_json(message)};
}

}  // namespace fake_ollama
