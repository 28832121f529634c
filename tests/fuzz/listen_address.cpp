// The `listen` setting, and the round trip through host_port (how log lines print it).
#include "exporters/listen_address.hpp"

#include "common/host_port.hpp"
#include "tests/fuzz/fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace llmon;
  const auto endpoint = parse_listen_address(fuzz::as_text(data, size));
  if (!endpoint) {
    fuzz::check_error(endpoint.error());
    return 0;
  }
  const std::string printed = host_port(endpoint->address().to_string(), endpoint->port());
  const auto back = parse_listen_address(printed);
  fuzz::check(back.ok() && *back == *endpoint, "host_port -> parse_listen_address round-trips");
  return 0;
}
