#pragma once
// Normalises the forms users write for an Ollama address (OLLAMA_HOST style) into host + port.
// Pure function.
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace llmon {

struct OllamaAddress {
  std::string host;  // "127.0.0.1", "::1", "box.lan"
  std::uint16_t port = 11434;
  std::string url;  // normalised "http://host:port"
};

// Accepts "http://host:port", "http://host", "host:port", "host", ":port", "[::1]:11434".
// The server-side bind addresses 0.0.0.0 and :: (copied from OLLAMA_HOST) mean this machine,
// so they become 127.0.0.1 and ::1. https, paths, credentials and queries are rejected.
Expected<OllamaAddress> parse_ollama_address(std::string_view text);

}  // namespace llmon
