#pragma once
// WebConfig: the [web] section (defaults here, once), its reader and its printer. Plain value
// type.
#include <ostream>
#include <string>

#include "common/config_reader.hpp"

namespace llmon {

struct WebConfig {
  std::string listen = "0.0.0.0:9877";  // HOST:PORT, [IPv6]:PORT; port 0 picks a free one
};

void read_web_config(const TableReader& t, WebConfig& web);
void render_web_config(std::ostream& out, const WebConfig& web);

}  // namespace llmon
