#pragma once
// HttpServer: the Prometheus scrape endpoint (/metrics, /healthz, /) over HTTP/1.1 with
// Boost.Beast, optionally over TLS and behind basic auth (set_security), with connection caps
// that a flood cannot turn into a lockout (ConnectionTable). All I/O runs asynchronously on the
// given io_context (one strand per connection, so any number of threads may run it).
// Thread-safe after start(); start() itself is called once.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstddef>
#include <functional>
#include <memory>

#include "exporters/authenticator.hpp"
#include "exporters/http_limits.hpp"
#include "exporters/snapshot.hpp"
#include "exporters/tls_backend.hpp"

namespace llmon {

class HttpServerState;
class HttpListener;

class HttpServer {
 public:
  // `metrics` and `healthy` are called on the network thread for every scrape / health check,
  // so both must be cheap, non-blocking and thread-safe. A null snapshot is answered with 503.
  HttpServer(boost::asio::io_context& ioc, boost::asio::ip::tcp::endpoint endpoint,
             SnapshotSource metrics, std::function<bool()> healthy, HttpLimits limits = {});
  // Stops accepting; open connections wind down on the io_context. Destroy before the io_context.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds (SO_REUSEADDR), listens and starts accepting. Throws std::system_error naming the
  // address when that fails (e.g. address in use, permission denied).
  void start();

  // The bound address; with port 0 requested, the port the kernel chose. Valid after start().
  boost::asio::ip::tcp::endpoint local_endpoint() const;

  // Stops accepting. Idle keep-alive connections are closed; busy ones close after sending the
  // response they are working on. Returns at once; see async_wait_idle.
  void stop();

  // Posts `handler` to the io_context once no connection is open (at once if none is). Meant for
  // shutdown: stop(), then wait for this with a deadline.
  void async_wait_idle(std::function<void()> handler);

  // TLS for connections accepted from now on (null: plain HTTP; open connections keep theirs)
  // and basic auth for requests from now on (null: none). Thread-safe.
  void set_security(std::shared_ptr<const TlsContext> tls, std::shared_ptr<Authenticator> auth);

  // Caps for connections accepted from now on (a reload). Thread-safe.
  void set_connection_caps(std::size_t max_connections, std::size_t max_per_client);

  std::size_t open_connections() const;
  // Connections closed to make room for new ones, and new ones refused (nothing reclaimable).
  std::uint64_t reclaimed_connections() const;
  std::uint64_t refused_connections() const;

 private:
  boost::asio::io_context& ioc_;
  boost::asio::ip::tcp::endpoint requested_;
  boost::asio::ip::tcp::endpoint bound_;
  std::shared_ptr<HttpServerState> state_;
  std::shared_ptr<HttpListener> listener_;
};

}  // namespace llmon
