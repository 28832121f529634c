// The TLS plugin through HttpServer: handshake deadlines, plain HTTP on the TLS port, the files
// it refuses, and the build check of the plugin itself. Certificates are made with the openssl
// CLI; curl is the TLS client.
#include <dlfcn.h>
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "exporters/tls_loader.hpp"
#include "http_test_support.hpp"

namespace llmon::testing {
namespace {

namespace fs = std::filesystem;

// A CA and a server certificate for 127.0.0.1 in a scratch directory.
struct Pki {
  fs::path dir = fs::temp_directory_path() / ("llmon-tls-unit-" + std::to_string(::getpid()));

  Pki() {
    fs::create_directories(dir);
    REQUIRE(
        run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 "
            "-subj /CN=ca -keyout ca.key -out ca.pem"));
    REQUIRE(make_cert("server"));
    REQUIRE(make_cert("other"));
  }
  ~Pki() { fs::remove_all(dir); }

  bool run(const std::string& command) const {
    return std::system(("cd '" + dir.string() + "' && " + command + " >/dev/null 2>&1").c_str()) ==
           0;
  }
  bool write(const std::string& name, const std::string& text) const {
    std::ofstream out(dir / name);
    out << text;
    out.close();
    return !out.fail();
  }
  bool make_cert(const std::string& name) const {
    return run("openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=" + name +
               " -keyout " + name + ".key -out " + name + ".csr") &&
           write(name + ".ext", "subjectAltName=IP:127.0.0.1\n") &&
           run("openssl x509 -req -in " + name + ".csr -CA ca.pem -CAkey ca.key -CAcreateserial " +
               "-days 2 -extfile " + name + ".ext -out " + name + ".pem");
  }
  std::string path(const std::string& name) const { return (dir / name).string(); }
  TlsSettings settings(const std::string& cert = "server.pem",
                       const std::string& key = "server.key") const {
    return {path(cert), path(key), "", "TLS1.2"};
  }
};

HttpLimits short_read_timeout() {
  HttpLimits limits;
  limits.read_timeout = 300ms;
  return limits;
}

// curl over TLS; the body, or "" when it failed.
std::string curl(const Pki& pki, const boost::asio::ip::tcp::endpoint& server) {
  const std::string out = pki.path("curl.out");
  const std::string command = "curl -sS --max-time 5 --cacert '" + pki.path("ca.pem") + "' -o '" +
                              out + "' https://127.0.0.1:" + std::to_string(server.port()) +
                              "/metrics 2>/dev/null";
  if (std::system(command.c_str()) != 0) return "";
  std::ifstream in(out);
  std::stringstream body;
  body << in.rdbuf();
  return body.str();
}

TEST_CASE(
    "tls: serves over HTTPS, and a stalled handshake is closed at read_timeout, others go on") {
  Pki pki;
  auto context = load_tls_context(pki.settings());
  REQUIRE_MESSAGE(context.ok(), (context.ok() ? "" : context.error().message));
  TestServer server(short_read_timeout());
  server.server().set_security(*context, nullptr);
  CHECK(curl(pki, server.endpoint()) == TestServer::kInitialText);

  RawClient stalled(server.endpoint());
  stalled.send("\x16\x03\x01");  // the start of a ClientHello, then nothing
  const auto start = std::chrono::steady_clock::now();
  CHECK(curl(pki, server.endpoint()) == TestServer::kInitialText);
  CHECK(stalled.wait_closed(3s));
  CHECK(std::chrono::steady_clock::now() - start < 2s);

  RawClient garbage(server.endpoint());
  garbage.send(std::string("\x16\x03\x01\x00\x05hello", 10));  // a broken record
  CHECK(garbage.wait_closed(3s));
  CHECK(curl(pki, server.endpoint()) == TestServer::kInitialText);
}

TEST_CASE("tls: plain HTTP on the TLS port gets a 400 that says to use https") {
  Pki pki;
  auto context = load_tls_context(pki.settings());
  REQUIRE(context.ok());
  TestServer server;
  server.server().set_security(*context, nullptr);
  RawClient client(server.endpoint());
  client.send("GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n");
  const auto r = client.read_response();
  REQUIRE(r);
  CHECK(r->status == 400);
  CHECK(r->body.find("use https://") != std::string::npos);
  CHECK(client.wait_closed());
}

TEST_CASE("tls: keys that are encrypted or belong to another certificate are refused") {
  Pki pki;
  REQUIRE(
      pki.run("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -aes256 "
              "-pass pass:secret -out encrypted.key"));
  // Never prompts for the passphrase (stdin here is the terminal or nothing): fails at once.
  auto encrypted = load_tls_context(pki.settings("server.pem", "encrypted.key"));
  REQUIRE_FALSE(encrypted.ok());
  CHECK(encrypted.error().message.find("key_file " + pki.path("encrypted.key") +
                                       ": no usable PEM private key (encrypted keys are not "
                                       "supported)") == 0);
  auto mismatch = load_tls_context(pki.settings("server.pem", "other.key"));
  REQUIRE_FALSE(mismatch.ok());
  CHECK(mismatch.error().message.find("does not belong to the certificate in " +
                                      pki.path("server.pem")) != std::string::npos);
  auto description = load_tls_context(pki.settings());
  REQUIRE(description.ok());
  CHECK((*description)->describe().find("subject CN=server, expires ") == 0);
}

TEST_CASE("tls: the plugin only serves the build it came from") {
  const char* path = std::getenv("LLMON_TLS_PLUGIN");
  REQUIRE_MESSAGE(path != nullptr, "ctest sets LLMON_TLS_PLUGIN");
  void* handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  REQUIRE(handle != nullptr);
  auto entry = reinterpret_cast<TlsPluginEntry>(dlsym(handle, kTlsPluginSymbol));
  const bool exported = entry != nullptr;
  REQUIRE_MESSAGE(exported, "the plugin exports ", kTlsPluginSymbol);
  CHECK(entry(tls_plugin_build().c_str()) != nullptr);
  CHECK(entry("0.0.9+0123456789ab tls-abi-1 12.2.0") == nullptr);
  CHECK(entry(nullptr) == nullptr);
  // The handle stays open, as in llmon: the plugin is never unloaded.
}

}  // namespace
}  // namespace llmon::testing
