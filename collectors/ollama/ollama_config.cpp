#include "collectors/ollama/ollama_config.hpp"

#include <cctype>
#include <set>

#include "common/ollama_url.hpp"

namespace llmon {

namespace {

// A service name as systemd's unit_name_is_valid() accepts it (name, optional "@instance",
// ".service"); no slashes, so it can never climb out of a unit directory.
bool valid_unit_name(std::string_view name) {
  constexpr std::string_view kSuffix = ".service";
  if (name.size() > 255 || name.size() <= kSuffix.size() ||
      name.substr(name.size() - kSuffix.size()) != kSuffix) {
    return false;
  }
  for (char c : name) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == ':' || c == '-' ||
                    c == '_' || c == '.' || c == '\\' || c == '@';
    if (!ok) return false;
  }
  return name.front() != '.' && name.front() != '@';
}

}  // namespace

void read_ollama_configs(const TableReader& top, std::vector<OllamaConfig>& out) {
  const auto tables = top.tables("ollama");
  if (!tables) return;
  out.clear();
  std::size_t index = 0;
  std::set<std::string, std::less<>> names;
  for (const toml::table* element : *tables) {
    const TableReader t(*element, "ollama[" + std::to_string(index++) + "]", top.errors());
    t.reject_unknown({"name", "url", "interval", "timeout", "max_body_bytes", "process", "unit"});
    OllamaConfig o;
    if (tables->size() > 1) o.name.clear();  // several instances: each needs its own name
    t.get("name", o.name);
    t.get("url", o.url);
    t.get("interval", o.interval, kMinCollectorInterval, std::chrono::hours(1));
    t.get("timeout", o.timeout, kMinCollectorInterval, std::chrono::minutes(5));
    t.get("max_body_bytes", o.max_body_bytes, 1024, std::int64_t{1} << 30);
    t.get("process", o.process);
    t.get("unit", o.unit);
    if (!o.unit.empty() && !valid_unit_name(o.unit)) {
      t.error("unit",
              "expected a systemd service name such as \"ollama.service\" (or \"\" when "
              "systemd does not run this instance), found \"" +
                  o.unit + "\"");
    }
    if (!valid_config_name(o.name)) {
      t.error("name",
              "expected a unique name of letters, digits, '_', '-' or '.' (it becomes the "
              "`ollama` label), found \"" +
                  o.name + "\"");
    }
    // Once per table however many share the name (and a set, not a scan): a file repeating
    // one name in thousands of tables must not produce quadratic output.
    if (!o.name.empty() && !names.insert(o.name).second) {
      t.error("name", "\"" + o.name + "\" is already used by another [[ollama]] table");
    }
    if (auto address = parse_ollama_address(o.url); !address) {
      t.error("url", address.error().message);
    }
    out.push_back(std::move(o));
  }
}

void render_ollama_config(std::ostream& out, const OllamaConfig& o) {
  out << "[[ollama]]\n"
      << "name = " << toml_quote(o.name) << "\n"
      << "url = " << toml_quote(o.url) << "\n"
      << "interval = " << toml_quote(format_duration(o.interval)) << "\n"
      << "timeout = " << toml_quote(format_duration(o.timeout)) << "\n"
      << "max_body_bytes = " << o.max_body_bytes << "\n"
      << "process = " << toml_quote(o.process) << "\n"
      << "unit = " << toml_quote(o.unit) << "\n";
}

}  // namespace llmon
