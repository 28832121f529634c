#pragma once
// Parsing of the `listen` setting ("0.0.0.0:9877", "[::1]:9877", ":9877", "localhost:9877") into a
// TCP endpoint. Pure function; no DNS lookups.
#include <boost/asio/ip/tcp.hpp>
#include <string_view>

#include "common/result.hpp"

namespace llmon {

// Accepts IPv4 "a.b.c.d:port", bracketed IPv6 "[addr]:port", ":port" (all IPv4 interfaces) and
// the literal "localhost:port" (127.0.0.1). Port 0 asks the kernel for a free port. Any other
// host name is rejected: resolving it at start-up would make the bind depend on DNS.
Expected<boost::asio::ip::tcp::endpoint> parse_listen_address(std::string_view text);

}  // namespace llmon
