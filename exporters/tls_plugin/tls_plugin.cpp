// llmon-tls.so: TLS for the metrics endpoint over OpenSSL (Asio's ssl::stream), implementing
// exporters/tls_backend.hpp. llmon dlopen()s it only when [web.tls] is configured. It is linked
// with -z defs and uses no symbol of the llmon binary; only tls_plugin_backend is exported.
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/opensslv.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <memory>
#include <string>

#include "exporters/tls_backend.hpp"

namespace llmon {
namespace {

namespace ssl = boost::asio::ssl;
using boost::asio::ip::tcp;

constexpr unsigned char kTlsHandshakeRecord = 0x16;  // the first byte of every ClientHello

// Every queued OpenSSL error, oldest first, then the queue is empty.
std::string openssl_errors() {
  std::string out;
  for (unsigned long e; (e = ERR_get_error()) != 0;) {
    char text[256];
    ERR_error_string_n(e, text, sizeof text);
    out += (out.empty() ? "" : "; ") + std::string(text);
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

std::string describe_certificate(const X509* cert) {
  if (cert == nullptr) return "no certificate";
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  if (!bio) return "certificate";
  BIO_puts(bio.get(), "subject ");
  X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
  BIO_puts(bio.get(), ", expires ");
  ASN1_TIME_print(bio.get(), X509_get0_notAfter(cert));
  if (X509_cmp_current_time(X509_get0_notAfter(cert)) < 0) BIO_puts(bio.get(), " (EXPIRED)");
  if (X509_cmp_current_time(X509_get0_notBefore(cert)) > 0) BIO_puts(bio.get(), " (NOT YET VALID)");
  return bio_text(bio.get());
}

class Context;

class TlsStream final : public ByteStream {
 public:
  TlsStream(tcp::socket&& socket, ssl::context& ctx, std::shared_ptr<const Context> keep,
            boost::system::error_code eof)
      : keep_(std::move(keep)), eof_(eof), stream_(std::move(socket), ctx) {}

  tcp::socket& socket() override { return stream_.next_layer(); }
  bool tls() const override { return true; }

  // A client speaking plain HTTP to the TLS port (Prometheus with `scheme: http`) gets a 400
  // that says so, as Go's servers do, instead of a bare handshake failure.
  void async_handshake(IoHandler handler) override {
    socket().async_wait(tcp::socket::wait_read, [this, h = std::move(handler)](
                                                    boost::system::error_code ec) mutable {
      unsigned char first = 0;
      if (!ec && ::recv(socket().native_handle(), &first, 1, MSG_PEEK | MSG_DONTWAIT) == 1 &&
          first != kTlsHandshakeRecord) {
        static constexpr char kReply[] =
            "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n"
            "Connection: close\r\nContent-Length: 50\r\n\r\n"
            "This port speaks HTTPS: use https:// to scrape it\n";
        boost::system::error_code ignored;
        socket().non_blocking(true, ignored);
        socket().write_some(boost::asio::buffer(kReply, sizeof kReply - 1), ignored);
        // Unread request bytes would make the close send RST, which can destroy the reply.
        char discard[4096];
        for (int i = 0; i < 16 && socket().read_some(boost::asio::buffer(discard), ignored) > 0;
             ++i) {
        }
        return h(boost::system::errc::make_error_code(boost::system::errc::protocol_error), 0);
      }
      if (ec) return h(translate(ec), 0);
      stream_.async_handshake(
          ssl::stream_base::server,
          [this, h = std::move(h)](boost::system::error_code e) mutable { h(translate(e), 0); });
    });
  }

  void async_read_some(boost::asio::mutable_buffer buffer, IoHandler handler) override {
    stream_.async_read_some(
        buffer, [this, h = std::move(handler)](boost::system::error_code ec,
                                               std::size_t n) mutable { h(translate(ec), n); });
  }

  void async_write_some(const WriteBuffers& buffers, IoHandler handler) override {
    stream_.async_write_some(
        buffers, [this, h = std::move(handler)](boost::system::error_code ec,
                                                std::size_t n) mutable { h(translate(ec), n); });
  }

  void async_shutdown(IoHandler handler) override {
    stream_.async_shutdown([this, h = std::move(handler)](boost::system::error_code ec) mutable {
      h(translate(ec), 0);
    });
  }

 private:
  // A peer that closes (with or without close_notify) is at end of stream, in llmon's terms.
  boost::system::error_code translate(boost::system::error_code ec) const {
    if (ec == boost::asio::error::eof || ec == ssl::error::stream_truncated) return eof_;
    return ec;
  }

  std::shared_ptr<const Context> keep_;  // the SSL_CTX outlives every stream made from it
  boost::system::error_code eof_;
  ssl::stream<tcp::socket> stream_;
};

class Context final : public TlsContext, public std::enable_shared_from_this<Context> {
 public:
  Context() : ctx_(ssl::context::tls_server) {}

  SSL_CTX* native() { return ctx_.native_handle(); }
  void set_description(std::string text) { description_ = std::move(text); }

  std::unique_ptr<ByteStream> wrap(tcp::socket&& socket,
                                   boost::system::error_code eof) const override {
    return std::make_unique<TlsStream>(std::move(socket), ctx_, shared_from_this(), eof);
  }
  std::string describe() const override { return description_; }

 private:
  mutable ssl::context ctx_;  // OpenSSL's SSL_CTX is safe to share between threads once set up
  std::string description_;
};

int refuse_passphrase(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*userdata*/) {
  return 0;  // never prompt on a terminal: an encrypted key fails to load instead
}

class Backend final : public TlsBackend {
 public:
  std::shared_ptr<const TlsContext> load(const TlsSettings& s, std::string& error) const override {
    ERR_clear_error();
    auto context = std::make_shared<Context>();
    SSL_CTX* ctx = context->native();
    if (ctx == nullptr) {
      error = "cannot create a TLS context: " + openssl_errors();
      return nullptr;
    }
    // No renegotiation (a client-triggered CPU drain) and no compression (CRIME).
    SSL_CTX_set_options(
        ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    const int min_version = s.min_version == "TLS1.3" ? TLS1_3_VERSION : TLS1_2_VERSION;
    if (SSL_CTX_set_min_proto_version(ctx, min_version) != 1) {
      error = "min_version " + s.min_version + ": " + openssl_errors();
      return nullptr;
    }
    SSL_CTX_set_default_passwd_cb(ctx, &refuse_passphrase);
    if (SSL_CTX_use_certificate_chain_file(ctx, s.cert_file.c_str()) != 1) {
      error = "cert_file " + s.cert_file + ": no usable PEM certificate: " + openssl_errors();
      return nullptr;
    }
    // OpenSSL checks here, while loading, that the key matches the certificate.
    if (SSL_CTX_use_PrivateKey_file(ctx, s.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
      const unsigned long last = ERR_peek_last_error();
      if (ERR_GET_LIB(last) == ERR_LIB_X509 && ERR_GET_REASON(last) == X509_R_KEY_VALUES_MISMATCH) {
        error = "key_file " + s.key_file + " does not belong to the certificate in " + s.cert_file +
                ": " + openssl_errors();
      } else {
        error =
            "key_file " + s.key_file +
            ": no usable PEM private key (encrypted keys are not supported): " + openssl_errors();
      }
      return nullptr;
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
      error = "key_file " + s.key_file + " does not belong to the certificate in " + s.cert_file +
              ": " + openssl_errors();
      return nullptr;
    }
    if (!s.client_ca_file.empty()) {
      STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(s.client_ca_file.c_str());
      if (names == nullptr ||
          SSL_CTX_load_verify_locations(ctx, s.client_ca_file.c_str(), nullptr) != 1) {
        if (names != nullptr) sk_X509_NAME_pop_free(names, X509_NAME_free);
        error = "client_ca_file " + s.client_ca_file +
                ": no usable PEM CA certificate: " + openssl_errors();
        return nullptr;
      }
      SSL_CTX_set_client_CA_list(ctx, names);  // takes ownership
      SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
    }
    // Resumed sessions must be tied to this server (required with client verification).
    static const unsigned char kSessionContext[] = "llmon";
    SSL_CTX_set_session_id_context(ctx, kSessionContext, sizeof kSessionContext - 1);
    context->set_description(describe_certificate(SSL_CTX_get0_certificate(ctx)) +
                             (s.client_ca_file.empty() ? "" : ", client certificates required"));
    return context;
  }

  std::string library_version() const override { return OpenSSL_version(OPENSSL_VERSION); }
};

}  // namespace
}  // namespace llmon

extern "C" __attribute__((visibility("default"))) const llmon::TlsBackend* tls_plugin_backend(
    const char* build) {
  static const llmon::Backend backend;
  if (build == nullptr || llmon::tls_plugin_build() != build) return nullptr;
  return &backend;
}
