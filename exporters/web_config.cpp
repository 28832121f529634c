#include "exporters/web_config.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "exporters/basic_auth.hpp"
#include "exporters/listen_address.hpp"
#include "exporters/tls_loader.hpp"

namespace llmon {

namespace {

// Reads a file-name key, made absolute relative to the configuration file, and checks that the
// file can be read (the daemon may run as another user: check-config says what it can see).
void get_file(const TableReader& t, std::string_view key, std::string& out) {
  t.get(key, out);
  if (out.empty()) return;
  std::filesystem::path path(out);
  if (path.is_relative()) {
    path = std::filesystem::path(t.errors().source).parent_path() / path;
    out = path.lexically_normal().string();
  }
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    t.error(key,
            "cannot read " + out + ": " + (ec ? ec.message() : std::string("not a regular file")));
  } else if (::access(out.c_str(), R_OK) != 0) {
    t.error(key, "cannot read " + out + ": " + std::strerror(errno));
  }
}

void read_tls(const TableReader& t, WebTlsConfig& tls) {
  t.reject_unknown({"cert_file", "key_file", "client_ca_file", "min_version"});
  const std::size_t errors_before = t.errors().errors.size();
  get_file(t, "cert_file", tls.cert_file);
  get_file(t, "key_file", tls.key_file);
  get_file(t, "client_ca_file", tls.client_ca_file);
  t.get_enum("min_version", tls.min_version, {"TLS1.2", "TLS1.3"});
  if (tls.cert_file.empty() != tls.key_file.empty()) {
    t.error(tls.cert_file.empty() ? "key_file" : "cert_file",
            "cert_file and key_file must be set together (both set: HTTPS only)");
    return;
  }
  if (tls.cert_file.empty()) {
    if (!tls.client_ca_file.empty()) {
      t.error("client_ca_file", "client certificates need TLS: set cert_file and key_file too");
    }
    return;
  }
  if (t.errors().errors.size() != errors_before) return;  // a file is unreadable
  // Load everything now, so that a bad file is reported here with its key, not at start-up.
  auto loaded = load_tls_context(tls.settings());
  if (loaded) return;
  const std::string& why = loaded.error().message;
  std::string_view key = "cert_file";
  for (std::string_view k : {"key_file", "client_ca_file", "min_version"}) {
    if (why.rfind(std::string(k) + " ", 0) == 0) key = k;
  }
  t.error(key, why);
}

void read_users(const TableReader& t, std::map<std::string, std::string>& users) {
  for (const auto& [name, node] : t.raw()) {
    const std::string user(name.str());
    auto hash = node.value_exact<std::string>();
    if (!hash) {
      t.error(user, "expected a bcrypt hash string, found " + describe_node(node));
      continue;
    }
    if (user.empty() || user.find(':') != std::string::npos) {
      t.error(user, "a user name must be non-empty and contain no ':' (basic auth splits there)");
      continue;
    }
    if (auto problem = bcrypt_hash_problem(*hash)) {
      t.error(user, *problem);
      continue;
    }
    users[user] = *hash;
  }
}

}  // namespace

void read_web_config(const TableReader& t, WebConfig& web) {
  t.reject_unknown(
      {"listen", "max_connections", "max_connections_per_client", "tls", "basic_auth"});
  t.get("listen", web.listen);
  if (auto endpoint = parse_listen_address(web.listen); !endpoint && t.raw().contains("listen")) {
    t.error("listen", endpoint.error().message);
  }
  t.get("max_connections", web.max_connections, 1, 65536);
  t.get("max_connections_per_client", web.max_connections_per_client, 1, 65536);
  if (web.max_connections_per_client > web.max_connections) {
    t.error(t.raw().contains("max_connections_per_client") ? "max_connections_per_client"
                                                           : "max_connections",
            "max_connections_per_client (" + std::to_string(web.max_connections_per_client) +
                ") must not exceed max_connections (" + std::to_string(web.max_connections) + ")");
  }
  if (const toml::table* tls = t.table("tls")) {
    read_tls(TableReader(*tls, t.qualified("tls"), t.errors()), web.tls);
  }
  if (const toml::table* auth = t.table("basic_auth")) {
    const TableReader a(*auth, t.qualified("basic_auth"), t.errors());
    a.reject_unknown({"users"});
    if (const toml::table* users = a.table("users")) {
      read_users(TableReader(*users, a.qualified("users"), t.errors()), web.basic_auth_users);
    }
  }
}

void render_web_config(std::ostream& out, const WebConfig& web) {
  out << "[web]\n"
      << "listen = " << toml_quote(web.listen) << "\n"
      << "max_connections = " << web.max_connections << "\n"
      << "max_connections_per_client = " << web.max_connections_per_client << "\n"
      << "\n[web.tls]\n"
      << "cert_file = " << toml_quote(web.tls.cert_file) << "\n"
      << "key_file = " << toml_quote(web.tls.key_file) << "\n"
      << "client_ca_file = " << toml_quote(web.tls.client_ca_file) << "\n"
      << "min_version = " << toml_quote(web.tls.min_version) << "\n"
      << "\n[web.basic_auth.users]\n";
  for (const auto& [user, hash] : web.basic_auth_users) {
    out << toml_quote(user) << " = " << toml_quote(hash) << "\n";
  }
}

HttpLimits http_limits(const WebConfig& web) {
  HttpLimits limits;
  limits.max_connections = static_cast<std::size_t>(web.max_connections);
  limits.max_connections_per_client = static_cast<std::size_t>(web.max_connections_per_client);
  return limits;
}

}  // namespace llmon
