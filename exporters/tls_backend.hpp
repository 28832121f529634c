#pragma once
// The interface between llmon and its TLS plugin, llmon-tls.so (exporters/tls_plugin/), which
// holds everything that needs OpenSSL: linked into the binary, libssl and libcrypto would cost
// about 1.7 MiB of resident memory even with TLS off. Header-only, so that the plugin implements
// it without needing any symbol of the llmon binary. TlsBackend and TlsContext are thread-safe.
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>
#include <cstdint>
#include <memory>
#include <string>

#include "exporters/byte_stream.hpp"
#include "llmon/version.hpp"

namespace llmon {

struct TlsSettings {
  std::string cert_file;       // PEM: the server certificate, then any intermediates
  std::string key_file;        // PEM private key
  std::string client_ca_file;  // PEM CAs; non-empty: clients must present a certificate
  std::string min_version;     // "TLS1.2" or "TLS1.3"
};

// A loaded certificate, key and client CA set; immutable once loaded.
class TlsContext {
 public:
  virtual ~TlsContext() = default;
  // Wraps an accepted socket; the handshake happens in ByteStream::async_handshake. The stream
  // reports the peer's end of stream as `eof`, llmon's own boost::asio::error::eof: Asio's error
  // categories are not shared across the plugin boundary, so the plugin's would not compare
  // equal in llmon.
  virtual std::unique_ptr<ByteStream> wrap(boost::asio::ip::tcp::socket&& socket,
                                           boost::system::error_code eof) const = 0;
  // The served certificate for log lines: "subject CN=..., expires 2026-01-31 12:00:00 UTC".
  virtual std::string describe() const = 0;
};

class TlsBackend {
 public:
  virtual ~TlsBackend() = default;
  // Reads and checks every file; null with `error` set ("cert_file /x: why") on failure.
  virtual std::shared_ptr<const TlsContext> load(const TlsSettings& settings,
                                                 std::string& error) const = 0;
  virtual std::string library_version() const = 0;  // "OpenSSL 3.0.x ..."
};

// The plugin exports `extern "C" const llmon::TlsBackend* tls_plugin_backend(const char* build)`,
// which returns null unless `build` equals its own tls_plugin_build(): plugin and binary must
// come from the same build and compiler, since they share C++ types.
inline std::string tls_plugin_build() {
  return std::string(kVersion) + "+" + kRevision + " tls-abi-1 " + __VERSION__;
}
inline constexpr const char* kTlsPluginSymbol = "tls_plugin_backend";
inline constexpr const char* kTlsPluginFile = "llmon-tls.so";
using TlsPluginEntry = const TlsBackend* (*)(const char* build);

}  // namespace llmon
