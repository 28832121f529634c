#include "daemon/options.hpp"

#include <map>
#include <optional>

#include "daemon/help.hpp"

namespace llmon {

namespace {

using Cmd = Options::Command;

// Each needs a table in help_commands.cpp (parse_options refuses a command without one).
const std::map<std::string, Cmd, std::less<>> kCommandNames = {
    {"serve", Cmd::kServe},     {"check-config", Cmd::kCheckConfig},
    {"collect", Cmd::kCollect}, {"bench", Cmd::kBench},
    {"doctor", Cmd::kDoctor},
};

// Stores one option of the help table into `o`; flags reach here only if the table lists
// them for the command, and a switch arrives with an empty value.
std::optional<Error> apply(Options& o, std::string_view flag, const std::string& v) {
  if (flag == "--config") {
    o.config_path = v;
  } else if (flag == "--listen") {
    o.listen = v;
  } else if (flag == "--log-level") {
    o.log_level = v;
  } else if (flag == "--ollama") {
    o.ollama_url = v;
  } else if (flag == "--model") {
    o.models.push_back(v);
  } else if (flag == "--prompt") {
    o.prompts.push_back(v);
  } else if (flag == "--allow-load") {
    o.allow_load = true;
  } else if (flag == "--bench") {
    o.bench = true;
  } else if (flag == "--format") {
    if (o.command == Cmd::kDoctor ? v != "text" && v != "json"
                                  : v != "table" && v != "json" && v != "csv") {
      return make_error(
          "--format: expected " +
          std::string(o.command == Cmd::kDoctor ? "text or json" : "table, json or csv") +
          ", found '" + v + "'");
    }
    o.format = v;
  } else if (flag == "--runs") {
    const bool digits =
        !v.empty() && v.size() <= 4 && v.find_first_not_of("0123456789") == std::string::npos;
    if (!digits || std::stoi(v) < 1) {
      return make_error("--runs: expected a number from 1 to 9999, found '" + v + "'");
    }
    o.runs = std::stoi(v);
  } else {
    // A flag in a help table that nothing here handles: a programming error, caught by the
    // unit test that parses every table entry.
    return make_error("option " + std::string(flag) + " has no handler");
  }
  return std::nullopt;
}

bool is_help(const std::string& arg) { return arg == "--help" || arg == "-h"; }

}  // namespace

Expected<Options> parse_options(const std::vector<std::string>& args) {
  Options o;
  if (args.empty()) return make_error("no command given");
  const std::string& cmd = args[0];
  if (cmd == "--version" || cmd == "version") {
    if (args.size() > 1) return make_error("unexpected argument '" + args[1] + "'");
    o.command = Cmd::kVersion;
    return o;
  }
  if (cmd == "--help-man") {
    if (args.size() > 1) return make_error("unexpected argument '" + args[1] + "'");
    o.command = Cmd::kManPage;
    return o;
  }
  if (is_help(cmd) || cmd == "help") {
    o.command = Cmd::kHelp;
    // `llmon help serve` is `llmon serve --help`.
    if (cmd == "help" && args.size() > 1) {
      if (!help::find_command(args[1])) return make_error("unknown command '" + args[1] + "'");
      o.help_topic = args[1];
    }
    return o;
  }
  const auto found = kCommandNames.find(cmd);
  const help::Command* table = help::find_command(cmd);
  if (found == kCommandNames.end() || !table) {
    return make_error(cmd.rfind("-", 0) == 0 ? "unknown option '" + cmd + "'"
                                             : "unknown command '" + cmd + "'");
  }
  o.command = found->second;
  o.format = o.command == Cmd::kDoctor ? "text" : "table";
  bool operand_seen = false;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (is_help(arg)) {
      o.command = Cmd::kHelp;
      o.help_topic = cmd;
      return o;
    }
    if (arg.size() > 1 && arg[0] == '-') {
      // "--name value" or "--name=value".
      const std::size_t eq = arg.find('=');
      const std::string flag = arg.substr(0, eq);
      const help::Option* option = help::find_option(*table, flag);
      if (!option) {
        return make_error("unknown option '" + flag + "' for " + cmd + " (see llmon " + cmd +
                          " --help)");
      }
      std::string value;
      if (option->value.empty()) {
        if (eq != std::string::npos) return make_error("option " + flag + " takes no value");
      } else if (eq != std::string::npos) {
        value = arg.substr(eq + 1);
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        return make_error("option " + flag + " needs a value");
      }
      if (auto error = apply(o, flag, value)) return *error;
      continue;
    }
    if (table->operand.empty() || operand_seen) {
      std::string usage = help::synopsis(*table);
      usage.pop_back();
      return make_error("unexpected argument '" + arg + "' (usage: " + usage + ")");
    }
    operand_seen = true;
    o.config_path = arg;  // check-config FILE, the only operand so far
  }
  if (!table->operand.empty() && !operand_seen) {
    return make_error(cmd + " needs a " + std::string(table->operand));
  }
  return o;
}

std::string help_text(const Options& options) {
  if (const help::Command* c = help::find_command(options.help_topic)) {
    return help::command_text(*c);
  }
  return help::general_text();
}

}  // namespace llmon
