#pragma once
// HostConfig: the [host] section (defaults here, once), its reader and its printer. Plain value
// type.
#include <filesystem>
#include <ostream>

#include "common/config_reader.hpp"
#include "common/duration.hpp"

namespace llmon {

struct HostConfig {
  std::filesystem::path procfs_root = "/proc";  // also where Ollama's processes are looked for
  Duration interval = std::chrono::seconds(5);
};

void read_host_config(const TableReader& t, HostConfig& host);
void render_host_config(std::ostream& out, const HostConfig& host);

}  // namespace llmon
