#pragma once
// HttpServer: the Prometheus scrape endpoint (/metrics, /healthz, /) over HTTP/1.1 with
// Boost.Beast. All I/O runs asynchronously on the given io_context (one strand per connection, so
// any number of threads may run it). Thread-safe after start(); start() itself is called once.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstddef>
#include <functional>
#include <memory>

#include "exporters/http_limits.hpp"
#include "exporters/snapshot.hpp"

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

  std::size_t open_connections() const;

 private:
  boost::asio::io_context& ioc_;
  boost::asio::ip::tcp::endpoint requested_;
  boost::asio::ip::tcp::endpoint bound_;
  std::shared_ptr<HttpServerState> state_;
  std::shared_ptr<HttpListener> listener_;
};

}  // namespace llmon
