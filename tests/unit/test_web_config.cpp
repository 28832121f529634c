// The [web] section: connection caps, [web.tls] and [web.basic_auth.users], with located errors.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "daemon/config.hpp"

namespace llmon {
namespace {

std::string error_of(const std::string& toml, const std::string& source = "test.toml") {
  auto c = parse_config(toml, source);
  REQUIRE_FALSE(c.ok());
  return c.error().message;
}

// A scratch directory with a few files in it, removed afterwards.
struct Scratch {
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("llmon-web-config-" + std::to_string(::getpid()));
  Scratch() { std::filesystem::create_directories(dir); }
  ~Scratch() { std::filesystem::remove_all(dir); }
  std::string file(const std::string& name, const std::string& content) {
    std::ofstream(dir / name) << content;
    return (dir / name).string();
  }
};

const std::string kHash = "$2y$10$abcdefghijklmnopqrstuuqflPDzB6gcMhKa1rZqKiun2YGL5sa2u";

TEST_CASE("web config: defaults are plain HTTP, no users, 512 connections, 64 per client") {
  auto c = parse_config("", "empty.toml");
  REQUIRE(c.ok());
  CHECK(c->web.max_connections == 512);
  CHECK(c->web.max_connections_per_client == 64);
  CHECK_FALSE(c->web.tls.enabled());
  CHECK(c->web.tls.min_version == "TLS1.2");
  CHECK(c->web.basic_auth_users.empty());
  const HttpLimits limits = http_limits(c->web);
  CHECK(limits.max_connections == 512);
  CHECK(limits.max_connections_per_client == 64);
}

TEST_CASE("web config: caps and users are read, and the printed form parses back") {
  auto c = parse_config(R"(
[web]
max_connections = 100
max_connections_per_client = 10
[web.basic_auth.users]
prometheus = ")" + kHash + R"("
"grafana agent" = ")" + kHash +
                            R"("
)",
                        "t.toml");
  REQUIRE_MESSAGE(c.ok(), (c.ok() ? "" : c.error().message));
  CHECK(c->web.max_connections == 100);
  CHECK(http_limits(c->web).max_connections_per_client == 10);
  REQUIRE(c->web.basic_auth_users.size() == 2);
  CHECK(c->web.basic_auth_users.at("grafana agent") == kHash);
  auto again = parse_config(render_config(*c), "rendered.toml");
  REQUIRE_MESSAGE(again.ok(), (again.ok() ? "" : again.error().message));
  CHECK(render_config(*again) == render_config(*c));
}

TEST_CASE("web config: mistakes in [web] are located") {
  CHECK(error_of("[web]\nmax_connections = 0\n") ==
        "test.toml:2:19: web.max_connections: expected an integer from 1 to 65536, found 0");
  CHECK(error_of("[web]\nmax_connections = 10\nmax_connections_per_client = 20\n") ==
        "test.toml:3:30: web.max_connections_per_client: max_connections_per_client (20) must "
        "not exceed max_connections (10)");
  CHECK(error_of("[web.tls]\ncert_flie = \"x\"\n")
            .find("unknown key 'web.tls.cert_flie' (did you mean 'web.tls.cert_file'?)") !=
        std::string::npos);
  CHECK(error_of("[web.tls]\nmin_version = \"TLS1.1\"\n") ==
        "test.toml:2:15: web.tls.min_version: expected one of \"TLS1.2\" or \"TLS1.3\", found "
        "string \"TLS1.1\"");
}

TEST_CASE("web config: [web.tls] files must be set together, exist and parse") {
  Scratch scratch;
  const std::string junk = scratch.file("junk.pem", "not a certificate\n");
  CHECK(error_of("[web.tls]\ncert_file = \"" + junk + "\"\n") ==
        "test.toml:2:13: web.tls.cert_file: cert_file and key_file must be set together (both "
        "set: HTTPS only)");
  CHECK(error_of("[web.tls]\nclient_ca_file = \"" + junk + "\"\n") ==
        "test.toml:2:18: web.tls.client_ca_file: client certificates need TLS: set cert_file and "
        "key_file too");
  CHECK(
      error_of("[web.tls]\ncert_file = \"/nonexistent/cert.pem\"\nkey_file = \"" + junk + "\"\n") ==
      "test.toml:2:13: web.tls.cert_file: cannot read /nonexistent/cert.pem: No such file or "
      "directory");
  // Files that exist but hold no certificate: loaded through the TLS plugin, as at start-up.
  const std::string why =
      error_of("[web.tls]\ncert_file = \"" + junk + "\"\nkey_file = \"" + junk + "\"\n");
  CHECK(why.find("test.toml:2:13: web.tls.cert_file: cert_file " + junk +
                 ": no usable PEM certificate") == 0);
}

TEST_CASE("web config: relative TLS file names are relative to the configuration file") {
  Scratch scratch;
  const std::string config = (scratch.dir / "llmon.toml").string();
  const std::string why =
      error_of("[web.tls]\ncert_file = \"tls/c.pem\"\nkey_file = \"k.pem\"\n", config);
  CHECK(why.find("cannot read " + (scratch.dir / "tls/c.pem").string()) != std::string::npos);
  CHECK(why.find("cannot read " + (scratch.dir / "k.pem").string()) != std::string::npos);
}

TEST_CASE("web config: users need a bcrypt hash and a name without ':'") {
  CHECK(error_of("[web.basic_auth.users]\nprometheus = \"secret\"\n") ==
        "test.toml:2:14: web.basic_auth.users.prometheus: expected a bcrypt hash ($2y$10$ "
        "followed by 53 characters, as `htpasswd -nbBC 10 USER PASSWORD` prints after the "
        "colon), found 6 characters starting with \"secr\"");
  CHECK(error_of("[web.basic_auth.users]\n\"a:b\" = \"" + kHash + "\"\n")
            .find("web.basic_auth.users.a:b: a user name must be non-empty and contain no ':'") !=
        std::string::npos);
  CHECK(error_of("[web.basic_auth.users]\nprometheus = 5\n") ==
        "test.toml:2:14: web.basic_auth.users.prometheus: expected a bcrypt hash string, found "
        "integer 5");
  CHECK(error_of("[web.basic_auth]\nuser = {}\n").find("unknown key 'web.basic_auth.user'") !=
        std::string::npos);
}

}  // namespace
}  // namespace llmon
