#include "daemon/options.hpp"

namespace llmon {

std::string usage_text() {
  return R"(usage: llmon <command> [options]

Monitors a local LLM inference box (AMD GPU + Ollama) and serves Prometheus metrics.

commands:
  serve [--config FILE] [--listen HOST:PORT] [--log-level LEVEL]
                         run the daemon (defaults to /etc/llmon/llmon.toml when it exists,
                         else built-in defaults); SIGHUP reloads the configuration
  check-config FILE      validate FILE, print the effective configuration; exit 0 if valid, 2 if not
  collect [--config FILE] [--bench]
                         run every enabled collector once and print the metrics (a node_exporter
                         textfile: no process_* metrics); --bench also runs the benchmark suite
  bench [--config FILE] [--ollama URL] [--model M]... [--prompt NAME]... [--runs N]
        [--allow-load] [--format table|json|csv]
                         run the benchmark suite once against the loaded models (or the named
                         ones) and print a comparison
  --version              print the version
  --help                 print this help

LEVEL is one of trace, debug, info, warn, error.
)";
}

namespace {

// Accepts "--name value" and "--name=value"; returns nullopt when args[i] is not --name.
Expected<std::optional<std::string>> take_value(const std::vector<std::string>& args,
                                                std::size_t& i, const std::string& name) {
  const std::string& arg = args[i];
  if (arg == name) {
    if (i + 1 >= args.size()) return make_error("option " + name + " needs a value");
    return std::optional<std::string>(args[++i]);
  }
  if (arg.rfind(name + "=", 0) == 0) return std::optional<std::string>(arg.substr(name.size() + 1));
  return std::optional<std::string>();
}

}  // namespace

Expected<Options> parse_options(const std::vector<std::string>& args) {
  Options o;
  if (args.empty()) return make_error("no command given");
  const std::string& cmd = args[0];
  if (cmd == "--version" || cmd == "version") {
    if (args.size() > 1) return make_error("unexpected argument '" + args[1] + "'");
    o.command = Options::Command::kVersion;
    return o;
  }
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    o.command = Options::Command::kHelp;
    return o;
  }
  if (cmd == "serve") {
    o.command = Options::Command::kServe;
  } else if (cmd == "collect") {
    o.command = Options::Command::kCollect;
  } else if (cmd == "bench") {
    o.command = Options::Command::kBench;
  } else if (cmd == "check-config") {
    o.command = Options::Command::kCheckConfig;
  } else {
    return make_error(cmd.rfind("-", 0) == 0 ? "unknown option '" + cmd + "'"
                                             : "unknown command '" + cmd + "'");
  }
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") {
      o.command = Options::Command::kHelp;
      return o;
    }
    if (o.command == Options::Command::kCheckConfig) {
      if (arg.rfind("-", 0) == 0 || o.config_path) {
        return make_error("unexpected argument '" + arg + "' (usage: llmon check-config FILE)");
      }
      o.config_path = arg;
      continue;
    }
    auto config = take_value(args, i, "--config");
    if (!config) return config.error();
    if (*config) {
      o.config_path = **config;
      continue;
    }
    if (o.command == Options::Command::kServe) {
      auto listen = take_value(args, i, "--listen");
      if (!listen) return listen.error();
      if (*listen) {
        o.listen = **listen;
        continue;
      }
      auto level = take_value(args, i, "--log-level");
      if (!level) return level.error();
      if (*level) {
        o.log_level = **level;
        continue;
      }
    }
    if (o.command == Options::Command::kCollect && arg == "--bench") {
      o.bench = true;
      continue;
    }
    if (o.command == Options::Command::kBench) {
      if (arg == "--allow-load") {
        o.allow_load = true;
        continue;
      }
      bool taken = false;
      for (const char* name : {"--ollama", "--model", "--prompt", "--runs", "--format"}) {
        auto value = take_value(args, i, name);
        if (!value) return value.error();
        if (!*value) continue;
        taken = true;
        const std::string& v = **value;
        if (std::string(name) == "--ollama") o.ollama_url = v;
        if (std::string(name) == "--model") o.models.push_back(v);
        if (std::string(name) == "--prompt") o.prompts.push_back(v);
        if (std::string(name) == "--format") {
          if (v != "table" && v != "json" && v != "csv") {
            return make_error("--format: expected table, json or csv, found '" + v + "'");
          }
          o.format = v;
        }
        if (std::string(name) == "--runs") {
          const bool digits =
              !v.empty() && v.size() <= 4 && v.find_first_not_of("0123456789") == std::string::npos;
          if (!digits || std::stoi(v) < 1) {
            return make_error("--runs: expected a number from 1 to 9999, found '" + v + "'");
          }
          o.runs = std::stoi(v);
        }
        break;
      }
      if (taken) continue;
    }
    return make_error((arg.rfind("-", 0) == 0 ? "unknown option '" : "unexpected argument '") +
                      arg + "' for " + cmd);
  }
  if (o.command == Options::Command::kCheckConfig && !o.config_path) {
    return make_error("check-config needs a FILE");
  }
  return o;
}

}  // namespace llmon
