#include "common/http_client.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <optional>

#include "common/host_port.hpp"
#include "common/http_response_reader.hpp"
#include "llmon/version.hpp"

namespace llmon {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// What one socket read asks for, as Beast's own read loop does.
constexpr std::size_t kMaxRead = 64 * 1024;
constexpr auto kPostIdleLimit = std::chrono::seconds(5);

class BeastHttpClient final : public HttpClient {
 public:
  BeastHttpClient(asio::any_io_executor ex, std::string host, std::uint16_t port,
                  std::size_t max_body)
      : executor_(ex),
        host_(std::move(host)),
        port_(port),
        settings_{.max_body_bytes = max_body},
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
    cancelled_ = false;
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
    HttpResponseSettings settings = settings_;
    settings.head = request_.method == "HEAD";
    HttpClient::BodyConsumer consumer;
    // No piece reaches the consumer after cancel(), even one already received.
    if (consumer_)
      consumer = [this](std::string_view piece) { return !cancelled_ && consumer_(piece); };
    reader_.emplace(settings, std::move(consumer));
    auto self = shared_self();
    stream_.expires_at(deadline_);
    http::async_write(stream_, http_request_, [self](beast::error_code ec, std::size_t) {
      if (!ec && self->cancelled_) ec = asio::error::operation_aborted;
      if (ec && self->retry_stale(ec)) return;
      if (ec) return self->fail("cannot send the request", ec);
      self->read();
    });
  }

  // Parses what the connection has buffered (a kept-alive one may hold the start of this
  // response already), then reads from the socket until the reader has its answer.
  void read() {
    if (buffer_.size() > 0) {
      const auto* data = static_cast<const char*>(buffer_.data().data());
      buffer_.consume(reader_->feed({data, buffer_.size()}));
    }
    if (cancelled_ || reader_->state() != HttpResponseReader::State::kReading) return settle();
    auto self = shared_self();
    stream_.expires_at(deadline_);
    stream_.async_read_some(buffer_.prepare(beast::read_size(buffer_, kMaxRead)),
                            [self](beast::error_code ec, std::size_t n) {
                              self->buffer_.commit(n);
                              if (ec == asio::error::eof) {
                                self->reader_->feed_eof();
                              } else if (ec) {
                                self->reader_->fail(ec);
                              }
                              self->read();
                            });
  }

  void settle() {
    using State = HttpResponseReader::State;
    if (cancelled_) return fail(asio::error::operation_aborted, "cancelled");
    if (reader_->state() == State::kComplete) return finish();
    if (reader_->state() == State::kStopped) return stop_early();
    if (retry_stale(reader_->error())) return;
    fail(reader_->error(), reader_->error_text());
  }

  void finish() {
    last_used_ = std::chrono::steady_clock::now();
    if (!reader_->keep_alive()) close();
    complete(std::move(reader_->response()));
  }

  // The consumer has what it needs: drop the connection (the server stops generating).
  void stop_early() {
    close();
    complete(std::move(reader_->response()));
  }

  // A kept-alive connection the server has closed meanwhile fails before any answer: retries
  // once on a new connection, when allowed. Returns whether it did.
  bool retry_stale(beast::error_code ec) {
    const bool stale = ec == http::error::end_of_stream || ec == asio::error::connection_reset ||
                       ec == asio::error::broken_pipe || ec == asio::error::eof;
    if (!retry_allowed_ || reader_->header_done() || cancelled_ || !stale) return false;
    retry_allowed_ = false;
    close();
    buffer_.clear();
    resolve();
    return true;
  }

  void fail(const std::string& what, beast::error_code ec) {
    fail(ec, http_error_text(what, ec, settings_));
  }

  void fail(beast::error_code ec, std::string reason) {
    close();
    if (cancelled_) {
      reason = "cancelled";
    } else if (ec == beast::error::timeout) {
      reason = "timed out after " + format_duration(timeout_);
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
    reader_.reset();
    if (done) done(std::move(result));
  }

  asio::any_io_executor executor_;
  std::string host_;
  std::uint16_t port_;
  HttpResponseSettings settings_;
  tcp::resolver resolver_;
  asio::steady_timer resolve_timer_;
  bool resolve_timed_out_ = false;
  std::chrono::steady_clock::time_point last_used_{};
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  bool connected_ = false;

  HttpRequest request_;
  http::request<http::string_body> http_request_;
  std::optional<HttpResponseReader> reader_;
  BodyConsumer consumer_;
  Handler done_;
  Duration timeout_{};
  std::chrono::steady_clock::time_point deadline_;
  bool cancelled_ = false;
  bool retry_allowed_ = false;
};

}  // namespace

std::shared_ptr<HttpClient> HttpClient::create(asio::any_io_executor executor, std::string host,
                                               std::uint16_t port, std::size_t max_body_bytes) {
  return std::make_shared<BeastHttpClient>(executor, std::move(host), port, max_body_bytes);
}

}  // namespace llmon
