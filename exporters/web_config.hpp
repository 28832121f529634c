#pragma once
// WebConfig: the [web] section with [web.tls] and [web.basic_auth.users] (defaults here, once),
// its reader and its printer. Plain value type.
#include <cstdint>
#include <map>
#include <ostream>
#include <string>

#include "common/config_reader.hpp"
#include "exporters/http_limits.hpp"
#include "exporters/tls_backend.hpp"

namespace llmon {

struct WebTlsConfig {
  std::string cert_file;  // both cert_file and key_file set: HTTPS only
  std::string key_file;
  std::string client_ca_file;  // set: clients must present a certificate signed by these CAs
  std::string min_version = "TLS1.2";  // TLS1.2 | TLS1.3

  bool enabled() const { return !cert_file.empty(); }
  TlsSettings settings() const { return {cert_file, key_file, client_ca_file, min_version}; }
};

struct WebConfig {
  std::string listen = "0.0.0.0:9877";  // HOST:PORT, [IPv6]:PORT; port 0 picks a free one
  std::int64_t max_connections = 512;
  std::int64_t max_connections_per_client = 64;  // per IPv4 address or IPv6 /64
  WebTlsConfig tls;
  std::map<std::string, std::string> basic_auth_users;  // name -> bcrypt hash
};

// Reads [web]. Relative file names in [web.tls] are taken relative to the configuration file's
// directory. TLS files are loaded through the TLS plugin, so that an unreadable certificate or a
// key that does not match it is a located configuration error.
void read_web_config(const TableReader& t, WebConfig& web);
void render_web_config(std::ostream& out, const WebConfig& web);

// The server's limits with the configured caps applied.
HttpLimits http_limits(const WebConfig& web);

}  // namespace llmon
