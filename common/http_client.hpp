#pragma once
// HttpClient: an asynchronous HTTP/1.1 client for one server (Ollama's API), on Boost.Beast.
// It reuses its connection between requests, enforces one deadline per request and a body
// limit (a larger body is an error, never unbounded memory), follows no redirects, and can hand
// the body to a consumer piece by piece as it arrives (streamed NDJSON).
// Not thread-safe: use it from the executor it was created on, one request at a time.
#include <boost/asio/any_io_executor.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/duration.hpp"
#include "common/result.hpp"

namespace llmon {

struct HttpRequest {
  std::string method = "GET";  // GET, HEAD or POST
  std::string target = "/";    // path and query
  std::string body;            // sent as application/json when not empty
};

struct HttpResponse {
  unsigned status = 0;
  std::string content_type;
  std::string body;  // empty when the body went to a consumer
};

class HttpClient : public std::enable_shared_from_this<HttpClient> {
 public:
  // Each piece of body data as it arrives; return false to stop reading (the connection is then
  // closed, which is how a streaming generation is cancelled on the server too).
  using BodyConsumer = std::function<bool(std::string_view)>;
  using Handler = std::function<void(Expected<HttpResponse>)>;

  static std::shared_ptr<HttpClient> create(boost::asio::any_io_executor executor, std::string host,
                                            std::uint16_t port, std::size_t max_body_bytes);
  virtual ~HttpClient() = default;

  // Buffers the whole body (up to max_body_bytes). `done` is called exactly once, on the
  // executor, with the response (any status) or an error saying what failed and where.
  virtual void request(HttpRequest request, Duration timeout, Handler done) = 0;
  // Like request(), but the body goes to `consumer` as it arrives.
  virtual void stream(HttpRequest request, Duration timeout, BodyConsumer consumer,
                      Handler done) = 0;
  // Abandons the request in flight (its handler then reports "cancelled") and closes the
  // connection.
  virtual void cancel() = 0;

  // "http://host:port", for messages.
  virtual std::string base_url() const = 0;
};

}  // namespace llmon
