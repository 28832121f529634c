#include <doctest/doctest.h>

#include <string>

#include "exporters/listen_address.hpp"

namespace llmon {
namespace {

std::string parsed(std::string_view text) {
  const auto endpoint = parse_listen_address(text);
  if (!endpoint) return "error: " + endpoint.error().message;
  const auto& ep = *endpoint;
  const std::string address = ep.address().to_string();
  return (ep.address().is_v6() ? "[" + address + "]" : address) + ":" + std::to_string(ep.port());
}

bool error_mentions(std::string_view text, std::string_view needle) {
  const auto endpoint = parse_listen_address(text);
  if (endpoint) return false;
  return endpoint.error().message.find(needle) != std::string::npos;
}

TEST_CASE("listen address: accepted forms") {
  CHECK(parsed("0.0.0.0:9877") == "0.0.0.0:9877");
  CHECK(parsed("127.0.0.1:0") == "127.0.0.1:0");
  CHECK(parsed("192.168.1.20:65535") == "192.168.1.20:65535");
  CHECK(parsed("[::1]:9877") == "[::1]:9877");
  CHECK(parsed("[::]:9877") == "[::]:9877");
  CHECK(parsed(":9877") == "0.0.0.0:9877");
  CHECK(parsed("localhost:9877") == "127.0.0.1:9877");
  CHECK(parsed("LocalHost:1") == "127.0.0.1:1");
}

TEST_CASE("listen address: errors say what is wrong") {
  CHECK(error_mentions("", "empty"));
  CHECK(error_mentions("0.0.0.0", "missing a port"));
  CHECK(error_mentions("9877", "missing a port"));
  CHECK(error_mentions("0.0.0.0:", "missing a port"));
  CHECK(error_mentions("[::1]", "missing a port"));
  CHECK(error_mentions("[::1]9877", "missing a port"));
  CHECK(error_mentions("[::1:9877", "unterminated"));
  CHECK(error_mentions("0.0.0.0:65536", "out of range"));
  CHECK(error_mentions("0.0.0.0:99999999999999999999", "out of range"));
  CHECK(error_mentions("0.0.0.0:-1", "invalid port"));
  CHECK(error_mentions("0.0.0.0:http", "invalid port"));
  CHECK(error_mentions("0.0.0.0: 80", "invalid port"));
  CHECK(error_mentions("300.1.1.1:80", "invalid IPv4 address"));
  CHECK(error_mentions("1.2.3:80", "invalid IPv4 address"));
  CHECK(error_mentions("[1.2.3.4]:80", "invalid IPv6 address"));
  CHECK(error_mentions("[zz::1]:80", "invalid IPv6 address"));
  CHECK(error_mentions("::1:9877", "brackets"));
  CHECK(error_mentions("example.com:9877", "is not an IP address"));
  CHECK(error_mentions("myhost:9877", "localhost"));  // says what is accepted instead
}

}  // namespace
}  // namespace llmon
