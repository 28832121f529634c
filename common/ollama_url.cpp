#include "common/ollama_url.hpp"

#include <boost/url/parse.hpp>

#include "common/host_port.hpp"

namespace llmon {

Expected<OllamaAddress> parse_ollama_address(std::string_view text) {
  const std::string quoted = "\"" + std::string(text) + "\"";
  if (text.empty()) return make_error("empty Ollama address");
  std::string full(text);
  if (full.find("://") == std::string::npos) full = "http://" + full;
  if (full.rfind("http://:", 0) == 0) full = "http://127.0.0.1" + full.substr(7);
  auto parsed = boost::urls::parse_absolute_uri(full);
  if (!parsed)
    return make_error("invalid Ollama address " + quoted + ": " + parsed.error().message());
  const auto& u = *parsed;
  if (u.scheme() != "http") {
    return make_error("unsupported scheme in " + quoted +
                      " (only http:// is supported; Ollama serves plain HTTP)");
  }
  if (u.has_userinfo() || u.has_query() || u.has_fragment() ||
      !(u.path().empty() || u.path() == "/")) {
    return make_error("Ollama address " + quoted +
                      " must be only scheme, host and port (no path, query or credentials)");
  }
  OllamaAddress a;
  if (u.host_type() == boost::urls::host_type::ipv6) {
    a.host = u.host_ipv6_address().to_string();
  } else {
    a.host = std::string(u.encoded_host());
  }
  if (a.host.empty()) return make_error("Ollama address " + quoted + " has no host");
  if (a.host == "0.0.0.0") a.host = "127.0.0.1";
  if (a.host == "::") a.host = "::1";
  if (u.has_port()) {
    const std::string_view port = u.port();
    const bool numeric = !port.empty() && port.size() <= 5 &&
                         port.find_first_not_of("0123456789") == std::string_view::npos;
    if (!numeric || std::stoul(std::string(port)) > 65535 || u.port_number() == 0) {
      return make_error("invalid port in Ollama address " + quoted + " (expected 1-65535)");
    }
    a.port = u.port_number();
  }
  a.url = "http://" + host_port(a.host, a.port);
  return a;
}

}  // namespace llmon
