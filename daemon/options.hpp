#pragma once
// Parsed command line of `llmon`. Plain value type; parse_options is pure.
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace llmon {

struct Options {
  enum class Command { kServe, kCheckConfig, kCollect, kBench, kVersion, kHelp };
  Command command = Command::kHelp;
  std::optional<std::string> config_path;  // --config, or check-config's FILE
  std::optional<std::string> listen;       // --listen override (serve)
  std::optional<std::string> log_level;    // --log-level override (serve)
  bool bench = false;                      // collect --bench: run the benchmarks too
  // bench
  std::optional<std::string> ollama_url;  // --ollama
  std::vector<std::string> models;        // --model, repeatable
  std::vector<std::string> prompts;       // --prompt, repeatable
  int runs = 1;                           // --runs
  bool allow_load = false;                // --allow-load
  std::string format = "table";           // --format table|json|csv
};

// args excludes argv[0]. An error message names the offending argument.
Expected<Options> parse_options(const std::vector<std::string>& args);

std::string usage_text();

}  // namespace llmon
