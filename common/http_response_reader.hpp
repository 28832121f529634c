#pragma once
// HttpResponseReader: reads one HTTP/1.1 response from the bytes a server sends, in whatever
// pieces they arrive, under llmon's limits (headers, body, no body for HEAD); HttpClient feeds
// it from its socket, the fuzz target from memory. Not thread-safe: one reader per response.
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/http_client.hpp"

namespace llmon {

struct HttpResponseSettings {
  static constexpr std::uint32_t kMaxHeaderBytes = 64 * 1024;
  static constexpr std::size_t kPieceBytes = 16 * 1024;

  std::size_t max_body_bytes = 0;  // a larger body is an error
  std::uint32_t max_header_bytes = kMaxHeaderBytes;
  std::size_t piece_bytes = kPieceBytes;  // the largest piece a consumer is handed
  bool head = false;  // the answer to a HEAD request: no body, whatever the headers announce
};

// What a user reads when `what` ("no response", "cannot connect", ...) failed with `ec`: the
// body and header limits named, a connection closed mid-response said in words.
std::string http_error_text(std::string_view what, const boost::beast::error_code& ec,
                            const HttpResponseSettings& settings);

class HttpResponseReader {
 public:
  enum class State {
    kReading,   // wants more bytes, or feed_eof() if the server has closed
    kComplete,  // response() is the whole response
    kStopped,   // the consumer returned false: response() has the status and headers
    kFailed,    // error() / error_text() say why
  };

  // With a consumer, the body goes to it piece by piece (at most piece_bytes each) as it is
  // parsed, and response().body stays empty; without, the body is buffered.
  explicit HttpResponseReader(const HttpResponseSettings& settings,
                              HttpClient::BodyConsumer consumer = nullptr);
  HttpResponseReader(const HttpResponseReader&) = delete;  // the parser holds on to it
  HttpResponseReader& operator=(const HttpResponseReader&) = delete;

  // Parses as much of `bytes` as it can and returns how many bytes it used. While kReading, the
  // unused rest (an incomplete head or chunk header) must be offered again with more appended;
  // once kComplete, the rest is the start of the next response on the connection.
  std::size_t feed(std::string_view bytes);
  // The server closed the connection: a response delimited by the close ends here, any other
  // still being read fails.
  void feed_eof();
  // The connection failed (reset, timed out, cancelled): reading stops with `ec`.
  void fail(const boost::beast::error_code& ec);

  State state() const { return state_; }
  // True once the status line and headers have been read and accepted (the server answered).
  bool header_done() const { return head_done_; }
  // Once kComplete: whether the connection may carry another request.
  bool keep_alive() const;
  HttpResponse& response() { return response_; }
  const boost::beast::error_code& error() const { return error_; }
  // Once kFailed: "no response: bad version", "reading the response body: connection closed
  // before the response was complete", "response body larger than 1048576 bytes", ...
  std::string error_text() const;

 private:
  bool read_head(std::size_t parsed);
  bool deliver(std::string_view piece);
  void fail_at(const boost::beast::error_code& ec);

  HttpResponseSettings settings_;
  HttpClient::BodyConsumer consumer_;
  std::function<void(std::uint64_t, boost::beast::string_view, boost::beast::error_code&)>
      on_chunk_header_;
  boost::beast::http::response_parser<boost::beast::http::buffer_body> parser_;
  std::unique_ptr<char[]> piece_;
  HttpResponse response_;
  State state_ = State::kReading;
  boost::beast::error_code error_;
  std::size_t head_bytes_ = 0;  // of the status line and headers, as far as parsed
  std::size_t body_bytes_ = 0;
  std::size_t announced_bytes_ = 0;  // by chunk headers
  bool head_done_ = false;
};

}  // namespace llmon
