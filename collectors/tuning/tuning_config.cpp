#include "collectors/tuning/tuning_config.hpp"

#include <cctype>

namespace llmon {

namespace {

constexpr std::string_view kPerformanceLevels[] = {"auto",
                                                   "low",
                                                   "high",
                                                   "manual",
                                                   "profile_standard",
                                                   "profile_min_sclk",
                                                   "profile_min_mclk",
                                                   "profile_peak",
                                                   "perf_determinism"};

bool valid_env_name(std::string_view name) {
  if (name.empty() || name.size() > 128 || std::isdigit(static_cast<unsigned char>(name[0]))) {
    return false;
  }
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

void read_expect(const TableReader& tuning, std::map<std::string, std::string>& out) {
  const toml::table* table = tuning.table("expect");
  if (table == nullptr) return;
  const TableReader t(*table, "tuning.expect", tuning.errors());
  for (const auto& [key, node] : *table) {
    const std::string name(key.str());
    if (!valid_env_name(name)) {
      t.error(name, "expected an environment variable name (letters, digits and '_')");
      continue;
    }
    auto value = node.value_exact<std::string>();
    if (!value) {
      t.error(name, "expected a string (environment values are text: write \"" +
                        describe_node(node) + "\" in quotes), found " + describe_node(node));
      continue;
    }
    out[name] = *value;
  }
}

}  // namespace

void read_tuning_config(const TableReader& t, TuningConfig& c) {
  t.reject_unknown({"enabled", "interval", "unit_dirs", "root", "dbus_address",
                    "expected_performance_level", "expect"});
  t.get("enabled", c.enabled);
  t.get("interval", c.interval, kMinCollectorInterval, std::chrono::hours(24));
  std::vector<std::string> dirs;
  t.get("unit_dirs", dirs);
  if (t.raw().contains("unit_dirs")) {
    c.unit_dirs.assign(dirs.begin(), dirs.end());
    for (const auto& d : c.unit_dirs) {
      if (!d.is_absolute())
        t.error("unit_dirs", "expected absolute paths, found \"" + d.string() + "\"");
    }
  }
  t.get("root", c.root);
  t.get("dbus_address", c.dbus_address);
  if (!c.dbus_address.empty() && c.dbus_address.find(':') == std::string::npos) {
    t.error("dbus_address",
            "expected a D-Bus address such as \"unix:path=/run/dbus/"
            "system_bus_socket\" (or \"\" to not use D-Bus), found \"" +
                c.dbus_address + "\"");
  }
  std::string level = c.expected_performance_level;
  t.get("expected_performance_level", level);
  bool known = level.empty();
  for (std::string_view l : kPerformanceLevels) known = known || l == level;
  if (!known) {
    std::string list;
    for (std::string_view l : kPerformanceLevels)
      list += (list.empty() ? "" : ", ") + std::string(l);
    t.error("expected_performance_level",
            "expected one of " + list + " or \"\" (no check), found \"" + level + "\"");
  } else {
    c.expected_performance_level = level;
  }
  read_expect(t, c.expect);
}

void render_tuning_config(std::ostream& out, const TuningConfig& c) {
  std::vector<std::string> dirs;
  for (const auto& d : c.unit_dirs) dirs.push_back(d.string());
  out << "[tuning]\n"
      << "enabled = " << (c.enabled ? "true" : "false") << "\n"
      << "interval = " << toml_quote(format_duration(c.interval)) << "\n"
      << "unit_dirs = " << toml_string_list(dirs) << "\n"
      << "root = " << toml_quote(c.root.string()) << "\n"
      << "dbus_address = " << toml_quote(c.dbus_address) << "\n"
      << "expected_performance_level = " << toml_quote(c.expected_performance_level) << "\n";
  if (!c.expect.empty()) {
    out << "\n[tuning.expect]\n";
    for (const auto& [name, value] : c.expect) out << name << " = " << toml_quote(value) << "\n";
  }
}

}  // namespace llmon
