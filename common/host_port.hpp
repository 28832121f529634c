#pragma once
// "host:port" as URLs and log lines write it: IPv6 literals in brackets. Pure function.
#include <cstdint>
#include <string>
#include <string_view>

namespace llmon {

inline std::string host_port(std::string_view host, std::uint16_t port) {
  const bool v6 = host.find(':') != std::string_view::npos;
  std::string out = v6 ? "[" + std::string(host) + "]" : std::string(host);
  return out + ":" + std::to_string(port);
}

}  // namespace llmon
