#pragma once
// Parsed command line of `llmon`. Plain value type; parse_options is pure.
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace llmon {

struct Options {
  enum class Command { kServe, kCheckConfig, kCollect, kBench, kDoctor, kVersion, kHelp, kManPage };
  Command command = Command::kHelp;
  std::string help_topic;                  // kHelp: the command asked about; empty for general
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
  std::string format;                     // --format: bench table|json|csv, doctor text|json
};

// args excludes argv[0]. Accepts exactly the options of the command's help table
// (daemon/help.hpp); an error message names the offending argument. `llmon --help-man`
// (kManPage, not listed in the help) prints the manual page for the build.
Expected<Options> parse_options(const std::vector<std::string>& args);

// What `llmon --help` or `llmon COMMAND --help` prints for these options.
std::string help_text(const Options& options);

}  // namespace llmon
