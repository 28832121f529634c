#pragma once
// RawClient: a blocking HTTP/1.1 client over a plain loopback socket, for tests that must see
// exactly what the fake sends (framing, chunks, truncation, resets). Plus a FakeServer running
// in-process on its own io thread. Neither is thread-safe; use each from one test thread.
#include <boost/asio/io_context.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "fake_server.hpp"

namespace fake_ollama::testing {

using namespace std::chrono_literals;

struct RawResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;                            // de-chunked
  std::vector<std::string> chunks;             // as framed, when chunked
  bool complete = false;  // the framing said the body ended (not just the connection)

  std::string header(const std::string& name) const;
  boost::json::value json() const;  // throws when the body is not JSON
  std::vector<boost::json::value> ndjson() const;
};

enum class PeerEnd { kOpen, kEof, kReset };

class RawClient {
 public:
  explicit RawClient(unsigned short port);
  ~RawClient();
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  void send_raw(std::string_view bytes);
  // Sends one request; keep-alive unless `close`.
  void send(std::string_view method, std::string_view target, std::string_view body = "",
            bool close = false);
  // Reads one whole response (Content-Length, chunked, or until EOF); returns what arrived by
  // `timeout`, with complete = false if the body did not end properly.
  RawResponse read_response(std::chrono::milliseconds timeout = 5000ms);
  // Everything until the peer closes or `timeout` passes.
  std::string read_all(std::chrono::milliseconds timeout);
  // Whether the peer closed (FIN), reset (RST) or is still open after `timeout`; discards data.
  PeerEnd wait_for_end(std::chrono::milliseconds timeout);

 private:
  // Appends what arrives within `timeout`; false on EOF, reset or timeout.
  bool fill(std::chrono::steady_clock::time_point deadline);

  int fd_ = -1;
  std::string buffer_;
  PeerEnd end_ = PeerEnd::kOpen;
};

// One request on a fresh connection.
RawResponse http(unsigned short port, std::string_view method, std::string_view target,
                 std::string_view body = "");

// A FakeServer on 127.0.0.1:0 with its own io thread.
class InProcessServer {
 public:
  explicit InProcessServer(std::string_view scenario_toml);
  ~InProcessServer();
  InProcessServer(const InProcessServer&) = delete;
  InProcessServer& operator=(const InProcessServer&) = delete;

  unsigned short port() const { return port_; }

 private:
  boost::asio::io_context ioc_;
  std::unique_ptr<FakeServer> server_;
  std::thread thread_;
  unsigned short port_ = 0;
};

}  // namespace fake_ollama::testing
