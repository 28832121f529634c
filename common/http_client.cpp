#include "common/http_client.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <optional>

#include "common/host_port.hpp"
#include "llmon/version.hpp"

namespace llmon {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr std::size_t kReadChunk = 16 * 1024;
constexpr std::uint32_t kMaxHeaderBytes = 64 * 1024;
constexpr auto kPostIdleLimit = std::chrono::seconds(5);

class BeastHttpClient final : public HttpClient {
 public:
  BeastHttpClient(asio::any_io_executor ex, std::string host, std::uint16_t port,
                  std::size_t max_body)
      : executor_(ex),
        host_(std::move(host)),
        port_(port),
        max_body_(max_body),
        resolver_(ex),
        resolve_timer_(ex),
        stream_(ex) {}

  void request(HttpRequest req, Duration timeout, Handler done) override {
    start(std::move(req), timeout, nullptr, std::move(done));
  }

  void stream(HttpRequest req, Duration timeout, BodyConsumer consumer, Handler done) override {
    start(std::move(req), timeout, std::move(consumer), std::move(done));
  }

  void cancel() override {
    if (!done_) return;
    cancelled_ = true;
    resolver_.cancel();
    resolve_timer_.cancel();
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
    connected_ = false;
  }

  std::string base_url() const override { return "http://" + host_port(host_, port_); }

 private:
  std::shared_ptr<BeastHttpClient> shared_self() {
    return std::static_pointer_cast<BeastHttpClient>(shared_from_this());
  }

  void start(HttpRequest req, Duration timeout, BodyConsumer consumer, Handler done) {
    if (done_) {
      asio::post(executor_, [done = std::move(done)] {
        done(make_error("internal error: a request is already in flight"));
      });
      return;
    }
    request_ = std::move(req);
    consumer_ = std::move(consumer);
    done_ = std::move(done);
    response_ = HttpResponse{};
    cancelled_ = false;
    received_any_ = false;
    timeout_ = timeout;
    deadline_ = std::chrono::steady_clock::now() + timeout;
    // A kept-alive connection may have been closed by the server meanwhile: one retry on a new
    // connection is safe for GET/HEAD, which have no side effects.
    retry_allowed_ = connected_ && request_.method != "POST";
    // A POST is not retried (it may have started a generation), so it never goes out on a
    // connection that idled long enough for the server or a proxy to have dropped it.
    if (connected_ && request_.method == "POST" &&
        std::chrono::steady_clock::now() - last_used_ > kPostIdleLimit) {
      close();
    }
    if (connected_) {
      write();
    } else {
      resolve();
    }
  }

  void resolve() {
    auto self = shared_self();
    // Name resolution is outside the stream's timer: give it the same deadline.
    resolve_timer_.expires_at(deadline_);
    resolve_timer_.async_wait([self](beast::error_code ec) {
      if (!ec) {
        self->resolve_timed_out_ = true;
        self->resolver_.cancel();
      }
    });
    resolve_timed_out_ = false;
    resolver_.async_resolve(host_, std::to_string(port_),
                            [self](beast::error_code ec, tcp::resolver::results_type results) {
                              self->resolve_timer_.cancel();
                              if (self->resolve_timed_out_) ec = beast::error::timeout;
                              if (!ec && self->cancelled_) ec = asio::error::operation_aborted;
                              if (ec) return self->fail("cannot resolve " + self->host_, ec);
                              self->connect(results);
                            });
  }

  void connect(const tcp::resolver::results_type& results) {
    auto self = shared_self();
    stream_.expires_at(deadline_);
    stream_.async_connect(results, [self](beast::error_code ec, const tcp::endpoint&) {
      if (!ec && self->cancelled_) ec = asio::error::operation_aborted;
      if (ec) return self->fail("cannot connect", ec);
      self->connected_ = true;
      self->stream_.socket().set_option(tcp::no_delay(true));
      self->write();
    });
  }

  void write() {
    http_request_ = {};
    http_request_.method_string(request_.method);
    http_request_.target(request_.target);
    http_request_.version(11);
    http_request_.set(http::field::host, host_ + ":" + std::to_string(port_));
    http_request_.set(http::field::user_agent, std::string("llmon/") + kVersion);
    http_request_.set(http::field::accept, "application/json, application/x-ndjson");
    http_request_.keep_alive(true);
    if (!request_.body.empty() || request_.method == "POST") {
      http_request_.set(http::field::content_type, "application/json");
      http_request_.body() = request_.body;
    }
    http_request_.prepare_payload();
    parser_.emplace();
    parser_->header_limit(kMaxHeaderBytes);
    parser_->body_limit(max_body_);
    if (request_.method == "HEAD") parser_->skip(true);
    auto self = shared_self();
    stream_.expires_at(deadline_);
    http::async_write(stream_, http_request_, [self](beast::error_code ec, std::size_t) {
      if (!ec && self->cancelled_) ec = asio::error::operation_aborted;
      if (ec) return self->fail_or_retry("cannot send the request", ec);
      self->read_header();
    });
  }

  void read_header() {
    auto self = shared_self();
    http::async_read_header(stream_, buffer_, *parser_, [self](beast::error_code ec, std::size_t) {
      if (!ec && self->cancelled_) ec = asio::error::operation_aborted;
      if (ec) return self->fail_or_retry("no response", ec);
      self->received_any_ = true;
      const auto& head = self->parser_->get();
      self->response_.status = head.result_int();
      self->response_.content_type = std::string(head[http::field::content_type]);
      self->read_body();
    });
  }

  void read_body() {
    if (parser_->is_done()) return finish();
    parser_->get().body().data = chunk_;
    parser_->get().body().size = sizeof chunk_;
    auto self = shared_self();
    stream_.expires_at(deadline_);
    http::async_read_some(stream_, buffer_, *parser_, [self](beast::error_code ec, std::size_t) {
      if (ec == http::error::need_buffer) ec = {};
      if (!ec && self->cancelled_) ec = asio::error::operation_aborted;
      if (ec) return self->fail("reading the response body", ec);
      const std::size_t n = sizeof self->chunk_ - self->parser_->get().body().size;
      if (n > 0) {
        const std::string_view piece(self->chunk_, n);
        if (self->consumer_) {
          if (!self->consumer_(piece)) return self->stop_early();
        } else {
          self->response_.body.append(piece);
        }
      }
      self->read_body();
    });
  }

  void finish() {
    last_used_ = std::chrono::steady_clock::now();
    if (!parser_->keep_alive()) close();
    complete(std::move(response_));
  }

  // The consumer has what it needs: drop the connection (the server stops generating).
  void stop_early() {
    close();
    complete(std::move(response_));
  }

  void fail_or_retry(const std::string& what, beast::error_code ec) {
    const bool stale = ec == http::error::end_of_stream || ec == asio::error::connection_reset ||
                       ec == asio::error::broken_pipe || ec == asio::error::eof;
    if (retry_allowed_ && !received_any_ && !cancelled_ && stale) {
      retry_allowed_ = false;
      close();
      buffer_.clear();
      return resolve();
    }
    fail(what, ec);
  }

  void fail(const std::string& what, beast::error_code ec) {
    close();
    std::string reason;
    if (cancelled_) {
      reason = "cancelled";
    } else if (ec == beast::error::timeout) {
      reason = "timed out after " + format_duration(timeout_);
    } else if (ec == http::error::body_limit) {
      reason = "response body larger than " + std::to_string(max_body_) + " bytes";
    } else if (ec == http::error::header_limit) {
      reason = "response headers larger than " + std::to_string(kMaxHeaderBytes) + " bytes";
    } else if (ec == http::error::partial_message || ec == http::error::end_of_stream) {
      reason = what + ": connection closed before the response was complete";
    } else {
      reason = what + ": " + ec.message();
    }
    complete(make_error(request_.method + " " + base_url() + request_.target + ": " + reason));
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
    connected_ = false;
    buffer_.clear();
  }

  void complete(Expected<HttpResponse> result) {
    Handler done = std::move(done_);
    done_ = nullptr;
    consumer_ = nullptr;
    parser_.reset();
    if (done) done(std::move(result));
  }

  asio::any_io_executor executor_;
  std::string host_;
  std::uint16_t port_;
  std::size_t max_body_;
  tcp::resolver resolver_;
  asio::steady_timer resolve_timer_;
  bool resolve_timed_out_ = false;
  std::chrono::steady_clock::time_point last_used_{};
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  bool connected_ = false;

  HttpRequest request_;
  http::request<http::string_body> http_request_;
  std::optional<http::response_parser<http::buffer_body>> parser_;
  char chunk_[kReadChunk];
  BodyConsumer consumer_;
  Handler done_;
  HttpResponse response_;
  Duration timeout_{};
  std::chrono::steady_clock::time_point deadline_;
  bool cancelled_ = false;
  bool received_any_ = false;
  bool retry_allowed_ = false;
};

}  // namespace

std::shared_ptr<HttpClient> HttpClient::create(asio::any_io_executor executor, std::string host,
                                               std::uint16_t port, std::size_t max_body_bytes) {
  return std::make_shared<BeastHttpClient>(executor, std::move(host), port, max_body_bytes);
}

}  // namespace llmon
