#include "exporters/listen_address.hpp"

#include <algorithm>
#include <cctype>
#include <string>

namespace llmon {

namespace {

using boost::asio::ip::address;
using boost::asio::ip::tcp;

// Cut, so that an error quoting the value (some quote it twice) stays a line, whatever it is given.
std::string quoted(std::string_view s) {
  constexpr std::size_t kMax = 200;
  if (s.size() <= kMax) return "\"" + std::string(s) + "\"";
  return "\"" + std::string(s.substr(0, kMax)) + "...\" (" + std::to_string(s.size()) + " bytes)";
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

Expected<unsigned short> parse_port(std::string_view text, std::string_view port) {
  if (port.empty()) {
    return make_error("listen address " + quoted(text) + " is missing a port after the ':'");
  }
  if (!std::all_of(port.begin(), port.end(),
                   [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; })) {
    return make_error("listen address " + quoted(text) + " has an invalid port " + quoted(port) +
                      " (expected a number from 1 to 65535)");
  }
  unsigned long value = 0;
  for (char c : port) {
    value = value * 10 + static_cast<unsigned long>(c - '0');
    if (value > 65535) break;
  }
  if (value > 65535) {
    return make_error("listen address " + quoted(text) + " has port " + std::string(port) +
                      " out of range (1-65535, or 0 for any free port)");
  }
  return static_cast<unsigned short>(value);
}

Expected<address> parse_host(std::string_view text, std::string_view host) {
  if (host.empty()) return address(boost::asio::ip::address_v4::any());
  if (iequals(host, "localhost")) return address(boost::asio::ip::address_v4::loopback());
  if (host.find(':') != std::string_view::npos) {
    return make_error("listen address " + quoted(text) +
                      ": IPv6 addresses must be in brackets, e.g. [::1]:9877");
  }
  boost::system::error_code ec;
  auto v4 = boost::asio::ip::make_address_v4(std::string(host), ec);
  if (!ec) return address(v4);
  const bool looks_like_name = std::any_of(host.begin(), host.end(), [](char c) {
    return std::isalpha(static_cast<unsigned char>(c)) != 0;
  });
  if (looks_like_name) {
    return make_error("listen address " + quoted(text) + ": " + quoted(host) +
                      " is not an IP address; use an IP address (e.g. 127.0.0.1 or 0.0.0.0) "
                      "or \"localhost\"");
  }
  return make_error("listen address " + quoted(text) + " has an invalid IPv4 address " +
                    quoted(host));
}

}  // namespace

Expected<tcp::endpoint> parse_listen_address(std::string_view text) {
  if (text.empty()) return make_error("listen address is empty (expected e.g. 0.0.0.0:9877)");

  std::string_view port;
  address ip;
  if (text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) {
      return make_error("listen address " + quoted(text) + " has an unterminated '['");
    }
    const std::string_view host = text.substr(1, close - 1);
    const std::string_view after = text.substr(close + 1);
    if (after.empty() || after.front() != ':') {
      return make_error("listen address " + quoted(text) +
                        " is missing a port (expected e.g. [::1]:9877)");
    }
    port = after.substr(1);
    boost::system::error_code ec;
    auto v6 = boost::asio::ip::make_address_v6(std::string(host), ec);
    if (ec) {
      return make_error("listen address " + quoted(text) + " has an invalid IPv6 address " +
                        quoted(host));
    }
    ip = v6;
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      return make_error("listen address " + quoted(text) +
                        " is missing a port (expected host:port, e.g. 0.0.0.0:9877)");
    }
    auto host = parse_host(text, text.substr(0, colon));
    if (!host) return host.error();
    ip = *host;
    port = text.substr(colon + 1);
  }
  auto number = parse_port(text, port);
  if (!number) return number.error();
  return tcp::endpoint(ip, *number);
}

}  // namespace llmon
