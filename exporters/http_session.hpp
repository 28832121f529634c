#pragma once
// Internals of HttpServer: the state its listener and connections share, and one connection.
// HttpServerState is thread-safe; an HttpSession runs on its own strand and is driven only
// through its handlers and the thread-safe TrackedConnection calls.
#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "exporters/authenticator.hpp"
#include "exporters/byte_stream.hpp"
#include "exporters/connection_table.hpp"
#include "exporters/http_limits.hpp"
#include "exporters/http_request.hpp"
#include "exporters/http_routes.hpp"
#include "exporters/snapshot.hpp"
#include "exporters/tls_backend.hpp"

namespace llmon {

// Lives as long as the longest-lived of the server object and its connections, so connections
// still draining after ~HttpServer never touch freed memory.
class HttpServerState {
 public:
  HttpServerState(boost::asio::any_io_executor executor, SnapshotSource metrics,
                  std::function<bool()> healthy, HttpLimits limits);

  const SnapshotSource metrics;
  const std::function<bool()> healthy;
  const HttpLimits limits;
  const std::shared_ptr<spdlog::logger> log;
  ConnectionTable connections;

  // What new connections (TLS) and new requests (auth) use; null means off.
  void set_security(std::shared_ptr<const TlsContext> tls, std::shared_ptr<Authenticator> auth);
  std::shared_ptr<const TlsContext> tls() const;
  std::shared_ptr<Authenticator> authenticator() const;

  // Called by a connection as it dies; runs idle waiters once none is left.
  void remove(ConnectionSlot& slot);
  // Marks the server stopping and asks every open connection to finish up.
  void stop_sessions();
  bool stopping() const { return connections.stopping(); }
  void async_wait_idle(std::function<void()> handler);

 private:
  boost::asio::any_io_executor executor_;  // where idle handlers are posted
  mutable std::mutex security_mutex_;
  std::shared_ptr<const TlsContext> tls_;
  std::shared_ptr<Authenticator> auth_;
};

class HttpSession final : public TrackedConnection,
                          public std::enable_shared_from_this<HttpSession> {
 public:
  // `tls` null: plain HTTP.
  HttpSession(boost::asio::ip::tcp::socket&& socket, std::shared_ptr<HttpServerState> state,
              const std::shared_ptr<const TlsContext>& tls);
  ~HttpSession();
  HttpSession(const HttpSession&) = delete;
  HttpSession& operator=(const HttpSession&) = delete;

  ConnectionSlot& slot() { return slot_; }
  const ClientKey& client() const { return client_; }
  const std::string& remote() const { return remote_; }

  // Once admitted by the connection table.
  void run();
  void reclaim() override;
  void request_stop() override;

 private:
  enum class Phase {
    kHandshake,       // TLS handshake on a new connection
    kIdle,            // waiting for the first byte of a request
    kReading,         // request head or body incomplete
    kAuthenticating,  // bcrypt on the worker pool
    kWriting,
    kLingering,  // after an error reply: discarding what the client still sends
    kShuttingDown,
    kClosed,
  };

  void arm(std::chrono::steady_clock::time_point deadline);
  void on_handshake(boost::system::error_code ec);
  void wait_for_request();
  void on_first_bytes(boost::system::error_code ec, std::size_t bytes);
  void read_request();
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  void authorize_then_answer();
  void answer(AuthVerdict verdict);
  void send(HttpReply reply, bool close_after);
  void on_write(bool close_after, boost::beast::error_code ec, std::size_t bytes);
  void linger_then_close();
  void on_linger_read(boost::system::error_code ec, std::size_t bytes);
  void shutdown_then_close();
  void close();
  bool must_close() const { return state_->stopping() || slot_.reclaimed(); }
  std::chrono::steady_clock::time_point now() const { return std::chrono::steady_clock::now(); }

  std::shared_ptr<HttpServerState> state_;
  boost::asio::any_io_executor strand_;
  std::string remote_;  // peer address for log lines, taken before the socket is moved
  ClientKey client_;
  std::unique_ptr<ByteStream> stream_;
  StreamRef stream_ref_;
  boost::asio::steady_timer deadline_;
  boost::beast::flat_buffer buffer_;
  std::optional<HttpRequestParser> parser_;
  HttpReply reply_;
  std::array<char, 4096> discard_{};
  std::size_t discarded_ = 0;
  Phase phase_ = Phase::kIdle;
  bool first_request_ = true;
  bool timed_out_ = false;
  std::chrono::steady_clock::time_point first_deadline_;
  ConnectionSlot slot_;
};

}  // namespace llmon
