#pragma once
// Connection: one HTTP/1.1 client connection of the fake. Reads requests with Beast (bounded
// head and body, Expect: 100-continue, keep-alive, pipelining) and leaves the answer to a
// handler, which writes raw bytes so that it can also answer the way a broken server would.
// While a request is being answered the connection watches for the client going away, as Go's
// net/http does to cancel a request. Not thread-safe: use from the io_context's thread only.
#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "go_time.hpp"

namespace fake_ollama {

inline constexpr std::size_t kMaxBodyBytes = 1 << 20;  // Ollama has no limit; a fake needs one
inline constexpr std::size_t kMaxHeaderBytes = 64 << 10;
inline constexpr std::size_t kMaxLingerBytes = 8 << 20;  // discarded after refusing a request

struct Request {
  std::string method;                                        // "GET"
  std::string target;                                        // "/api/ps?x=1"
  std::string path;                                          // "/api/ps"
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  bool keep_alive = true;
  bool http11 = true;
  WallTime received;

  bool head() const { return method == "HEAD"; }
  std::string header(std::string_view lower_name) const;
};

// "HTTP/1.1 200 OK" + Content-Type, Date and framing headers, as Go's net/http writes them.
// `content_length` nullopt: chunked when `chunked`, else no framing (the body ends at close).
std::string response_head(int status, std::string_view content_type,
                          std::optional<std::size_t> content_length, bool chunked, bool close);
std::string status_text(int status);
// One chunk of a chunked body; the terminating "0\r\n\r\n" is kLastChunk.
std::string chunk(std::string_view data);
inline constexpr std::string_view kLastChunk = "0\r\n\r\n";

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  using Handler = std::function<void(const std::shared_ptr<Connection>&, Request)>;

  Connection(boost::asio::ip::tcp::socket socket, Handler handler);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void start();

  // A whole response with Content-Length (body omitted for HEAD), then the next request.
  void send(int status, std::string_view content_type, std::string body);
  // Raw bytes of the current response, in order; `done(false)` when the client is gone.
  void write(std::string bytes, std::function<void(bool ok)> done = nullptr);
  // The current response is complete: read the next request, or close if it asked for that.
  void finish();
  // Ends the connection now (FIN), or with a reset (RST: SO_LINGER 0).
  void close();
  void reset();
  // Runs `on_gone` once if the client disconnects before finish(); replaces any previous one.
  void on_disconnect(std::function<void()> on_gone);

  bool open() const { return socket_.is_open(); }
  // True when the current response must end by closing: HTTP/1.0 or Connection: close.
  bool closing() const { return !keep_alive_; }
  bool http11() const { return http11_; }

 private:
  enum class Phase { kReading, kHandling, kWaitingNext, kClosed };
  struct Pending {
    std::string bytes;
    std::function<void(bool)> done;
  };

  void read_header();
  void on_header(boost::beast::error_code ec);
  void read_body();
  void on_body(boost::beast::error_code ec);
  void reject(boost::beast::error_code ec);
  void linger_then_close();
  void discard();
  void watch();
  void on_watch(boost::beast::error_code ec, std::size_t bytes);
  void write_next();

  boost::asio::ip::tcp::socket socket_;
  Handler handler_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  Phase phase_ = Phase::kReading;
  bool watching_ = false;
  bool peer_gone_ = false;
  bool keep_alive_ = true;
  bool http11_ = true;
  bool head_ = false;
  std::function<void()> on_gone_;
  std::deque<Pending> out_;
  boost::asio::steady_timer linger_timer_;
  std::array<char, 16384> discard_{};
  std::size_t discarded_ = 0;
};

}  // namespace fake_ollama
