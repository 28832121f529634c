#pragma once
// Internals of HttpServer: the state its listener and connections share, and one connection.
// HttpServerState is thread-safe; an HttpSession runs on its own strand and is driven only
// through its handlers and the thread-safe request_stop().
#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "exporters/http_limits.hpp"
#include "exporters/http_routes.hpp"
#include "exporters/snapshot.hpp"

namespace llmon {

class HttpSession;

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

  // Fails when stopping or at the connection cap; the caller then closes the socket.
  bool try_register(const std::shared_ptr<HttpSession>& session);
  void unregister(const HttpSession* session);
  // Marks the server stopping and asks every open connection to finish up.
  void stop_sessions();
  bool stopping() const { return stopping_.load(std::memory_order_acquire); }
  std::size_t session_count() const;
  void async_wait_idle(std::function<void()> handler);

 private:
  boost::asio::any_io_executor executor_;  // where idle handlers are posted
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  std::unordered_map<const HttpSession*, std::weak_ptr<HttpSession>> sessions_;
  std::vector<std::function<void()>> idle_waiters_;
};

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(boost::asio::ip::tcp::socket&& socket, std::shared_ptr<HttpServerState> state);
  ~HttpSession();
  HttpSession(const HttpSession&) = delete;
  HttpSession& operator=(const HttpSession&) = delete;

  void run();
  // Thread-safe: an idle connection closes now, a busy one after its current response.
  void request_stop();

 private:
  enum class Phase { kIdle, kReading, kWriting, kLingering };

  void wait_for_request();
  void on_first_bytes(boost::beast::error_code ec, std::size_t bytes);
  void read_request();
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  void send(HttpReply reply, bool close_after);
  void on_write(bool close_after, boost::beast::error_code ec, std::size_t bytes);
  void linger_then_close();
  void on_linger_read(boost::beast::error_code ec, std::size_t bytes);
  void close();

  std::shared_ptr<HttpServerState> state_;
  boost::asio::any_io_executor strand_;
  std::string remote_;  // peer address for log lines, taken before the socket is moved
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  HttpReply reply_;
  std::array<char, 4096> discard_{};
  std::size_t discarded_ = 0;
  Phase phase_ = Phase::kIdle;
  bool first_request_ = true;
  std::chrono::steady_clock::time_point first_deadline_;
};

}  // namespace llmon
