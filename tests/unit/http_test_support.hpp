#pragma once
// Test helpers for the HTTP server: a server on 127.0.0.1:0 running on a background thread, and a
// deliberately independent raw-socket client (POSIX + poll, so every read has a deadline and a
// broken server fails a test instead of hanging it). Neither is thread-safe.
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "exporters/http_server.hpp"

namespace llmon::testing {

using namespace std::chrono_literals;

// Built with -DLLMON_SANITIZE (tests/CMakeLists.txt): instrumented code runs several times
// slower, and the sanitizer runtimes need file descriptors of their own.
#ifdef LLMON_SANITIZER_BUILD
inline constexpr bool kSanitizerBuild = true;
#else
inline constexpr bool kSanitizerBuild = false;
#endif

// Publishes snapshots the way the daemon does: an immutable shared_ptr swapped under a lock.
class SnapshotHolder {
 public:
  void publish(std::string text);
  void clear();
  SnapshotPtr get() const;

 private:
  mutable std::mutex mutex_;
  SnapshotPtr current_;
  std::uint64_t generation_ = 0;
};

class TestServer {
 public:
  // `threads` threads run the io_context, to exercise the per-connection strands.
  explicit TestServer(HttpLimits limits = {}, bool publish_initial = true, int threads = 1);
  ~TestServer();
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  boost::asio::ip::tcp::endpoint endpoint() const { return server_.local_endpoint(); }
  HttpServer& server() { return server_; }
  // Returns true if the server reported idle within `timeout` after stop().
  bool stop_and_wait_idle(std::chrono::milliseconds timeout);

  static constexpr const char* kInitialText =
      "# HELP llmon_up Whether llmon is up.\n# TYPE llmon_up gauge\nllmon_up 1\n";
  SnapshotHolder snapshots;
  std::atomic<bool> healthy{true};

 private:
  boost::asio::io_context ioc_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  HttpServer server_;
  std::vector<std::thread> threads_;
  bool stopped_ = false;
};

struct Response {
  int status = 0;
  std::string status_line;
  std::map<std::string, std::string> headers;  // keys lower-cased
  std::string body;

  bool has(const std::string& lower_name) const { return headers.count(lower_name) != 0; }
  std::string header(const std::string& lower_name) const;
};

class RawClient {
 public:
  // `source`: the local address to connect from (e.g. "127.0.0.2": another client to the
  // server's per-client accounting); empty for the kernel's choice.
  explicit RawClient(const boost::asio::ip::tcp::endpoint& endpoint,
                     const std::string& source = "");
  ~RawClient();
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  void send(std::string_view bytes);
  // Reads one response (no body for HEAD); nullopt if the connection closed or time ran out.
  std::optional<Response> read_response(bool head = false, std::chrono::milliseconds timeout = 5s);
  // True once the peer has closed (EOF or reset) within `timeout`; discards anything received.
  bool wait_closed(std::chrono::milliseconds timeout = 5s);
  // Everything received until the peer closes (or `timeout`).
  std::string read_all(std::chrono::milliseconds timeout = 5s);
  // Bytes received but not read yet (by the kernel's count plus what is buffered here).
  std::size_t available() const;
  // At most one recv() (up to 8 KiB) within `timeout`: reads as slowly as the caller wants.
  std::string read_chunk(std::chrono::milliseconds timeout = 5s);

 private:
  enum class Read { kData, kClosed, kTimeout };
  Read read_some(std::chrono::steady_clock::time_point deadline);

  int fd_ = -1;
  std::string pending_;
};

// One request with Connection: close; `extra` is inserted verbatim as header lines.
Response fetch(const boost::asio::ip::tcp::endpoint& endpoint, const std::string& method,
               const std::string& target, const std::string& extra = "");

}  // namespace llmon::testing
