#include "common/log_config.hpp"

namespace llmon {

void read_log_config(const TableReader& t, LogConfig& log) {
  t.reject_unknown({"level"});
  t.get_enum("level", log.level, {"trace", "debug", "info", "warn", "error"});
}

void render_log_config(std::ostream& out, const LogConfig& log) {
  out << "[log]\n"
      << "level = " << toml_quote(log.level) << "\n";
}

}  // namespace llmon
