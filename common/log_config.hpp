#pragma once
// LogConfig: the [log] section (defaults here, once), its reader and its printer. Plain value
// type.
#include <ostream>
#include <string>

#include "common/config_reader.hpp"

namespace llmon {

struct LogConfig {
  std::string level = "info";  // trace | debug | info | warn | error
};

void read_log_config(const TableReader& t, LogConfig& log);
void render_log_config(std::ostream& out, const LogConfig& log);

}  // namespace llmon
