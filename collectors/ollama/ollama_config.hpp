#pragma once
// OllamaConfig: one [[ollama]] table (defaults here, once), the reader of all of them and the
// printer. Plain value type.
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "common/config_reader.hpp"
#include "common/duration.hpp"

namespace llmon {

struct OllamaConfig {
  std::string name = "default";  // the `ollama` label value; unique
  std::string url = "http://127.0.0.1:11434";
  Duration interval = std::chrono::seconds(10);
  Duration timeout = std::chrono::seconds(5);
  std::int64_t max_body_bytes = 8 * 1024 * 1024;
  std::string process = "ollama";       // process name to look for; "" disables process metrics
  std::string unit = "ollama.service";  // the systemd unit that runs it; "" = not run by systemd
};

// Reads every [[ollama]] table of `top` into `out`, replacing the default instance when there is
// at least one; leaves `out` alone when there is none.
void read_ollama_configs(const TableReader& top, std::vector<OllamaConfig>& out);
void render_ollama_config(std::ostream& out, const OllamaConfig& o);

}  // namespace llmon
