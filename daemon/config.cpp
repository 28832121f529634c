#include "daemon/config.hpp"

#include <sstream>
#include <vector>

#include "common/config_reader.hpp"
#include "common/fs.hpp"

namespace llmon {

Expected<Config> parse_config(std::string_view toml_text, const std::string& source) {
  toml::table root;
  try {
    root = toml::parse(toml_text, source);
  } catch (const toml::parse_error& e) {
    const auto& begin = e.source().begin;
    return make_error(source + ":" + std::to_string(begin.line) + ":" +
                      std::to_string(begin.column) + ": " + std::string(e.description()));
  }
  Config config;
  ConfigErrors errors;
  errors.source = source;
  const TableReader top(root, "", errors);
  std::vector<std::string_view> known{"web", "log"};
  known.insert(known.end(), std::begin(kSourceSections), std::end(kSourceSections));
  top.reject_unknown(known);
  if (const toml::table* t = top.table("web"))
    read_web_config(TableReader(*t, "web", errors), config.web);
  if (const toml::table* t = top.table("log"))
    read_log_config(TableReader(*t, "log", errors), config.log);
  read_sources_config(top, config);
  if (!errors.errors.empty()) return make_error(errors.sorted_message());
  return config;
}

Expected<Config> load_config(const std::filesystem::path& path) {
  ReadResult file = read_file(path, 1024 * 1024);
  if (!file.ok()) return make_error("cannot read configuration " + file.error);
  return parse_config(file.content, path.string());
}

std::string render_config(const Config& c) {
  std::ostringstream out;
  render_web_config(out, c.web);
  out << "\n";
  render_log_config(out, c.log);
  out << "\n";
  render_sources_config(out, c);
  return out.str();
}

}  // namespace llmon
