#include "collectors/host/host_config.hpp"

namespace llmon {

void read_host_config(const TableReader& t, HostConfig& host) {
  t.reject_unknown({"procfs_root", "interval"});
  t.get("procfs_root", host.procfs_root);
  t.get("interval", host.interval, kMinCollectorInterval, std::chrono::hours(1));
}

void render_host_config(std::ostream& out, const HostConfig& host) {
  out << "[host]\n"
      << "procfs_root = " << toml_quote(host.procfs_root.string()) << "\n"
      << "interval = " << toml_quote(format_duration(host.interval)) << "\n";
}

}  // namespace llmon
