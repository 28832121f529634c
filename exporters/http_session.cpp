#include "exporters/http_session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <sstream>

#include "common/log.hpp"

namespace llmon {

namespace beast = boost::beast;
namespace http = beast::http;
using boost::asio::ip::tcp;

namespace {

// After an error reply the client may still be sending (say, the rest of oversized headers).
// Closing with unread data makes the kernel send RST, which can destroy our reply before the
// client reads it; so read and discard for a bounded while first.
constexpr std::chrono::seconds kLingerTimeout{1};
constexpr std::size_t kLingerMaxBytes = 1 << 20;

std::string describe(const tcp::socket& socket) {
  beast::error_code ec;
  const auto remote = socket.remote_endpoint(ec);
  if (ec) return "?";
  std::ostringstream out;
  out << remote;
  return out.str();
}

bool is_parse_error(const beast::error_code& ec) {
  return ec.category() == make_error_code(http::error::bad_method).category();
}

http::status status_for_parse_error(const beast::error_code& ec) {
  if (ec == http::error::header_limit) return http::status::request_header_fields_too_large;
  if (ec == http::error::body_limit) return http::status::payload_too_large;
  return http::status::bad_request;
}

}  // namespace

// --- HttpServerState ---

HttpServerState::HttpServerState(boost::asio::any_io_executor executor, SnapshotSource metrics_in,
                                 std::function<bool()> healthy_in, HttpLimits limits_in)
    : metrics(std::move(metrics_in)),
      healthy(std::move(healthy_in)),
      limits(limits_in),
      log(logger("http")),
      executor_(std::move(executor)) {}

bool HttpServerState::try_register(const std::shared_ptr<HttpSession>& session) {
  std::lock_guard lock(mutex_);
  if (stopping() || sessions_.size() >= limits.max_connections) return false;
  sessions_.emplace(session.get(), session);
  return true;
}

void HttpServerState::unregister(const HttpSession* session) {
  std::vector<std::function<void()>> waiters;
  {
    std::lock_guard lock(mutex_);
    if (sessions_.erase(session) == 0 || !sessions_.empty()) return;
    waiters.swap(idle_waiters_);
  }
  for (auto& waiter : waiters) boost::asio::post(executor_, std::move(waiter));
}

void HttpServerState::stop_sessions() {
  std::vector<std::shared_ptr<HttpSession>> live;
  {
    // Setting the flag under the lock guarantees no session registers after the snapshot below.
    std::lock_guard lock(mutex_);
    stopping_.store(true, std::memory_order_release);
    for (auto& [key, weak] : sessions_) {
      if (auto session = weak.lock()) live.push_back(std::move(session));
    }
  }
  for (auto& session : live) session->request_stop();
}

std::size_t HttpServerState::session_count() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

void HttpServerState::async_wait_idle(std::function<void()> handler) {
  {
    std::lock_guard lock(mutex_);
    if (!sessions_.empty()) {
      idle_waiters_.push_back(std::move(handler));
      return;
    }
  }
  boost::asio::post(executor_, std::move(handler));
}

// --- HttpSession ---

HttpSession::HttpSession(tcp::socket&& socket, std::shared_ptr<HttpServerState> state)
    : state_(std::move(state)),
      strand_(socket.get_executor()),
      remote_(describe(socket)),
      stream_(std::move(socket)) {}

HttpSession::~HttpSession() { state_->unregister(this); }

void HttpSession::run() {
  boost::asio::dispatch(strand_, [self = shared_from_this()] {
    // Without this, Nagle's algorithm holds back a response that follows another on the same
    // connection until the client's delayed ACK (~40 ms).
    beast::error_code ignored;
    self->stream_.socket().set_option(tcp::no_delay(true), ignored);
    self->first_deadline_ = std::chrono::steady_clock::now() + self->state_->limits.read_timeout;
    self->wait_for_request();
  });
}

void HttpSession::request_stop() {
  boost::asio::post(strand_, [self = shared_from_this()] {
    // Only a connection waiting for its next request is interrupted; one that is receiving or
    // answering a request finishes it, and on_read/on_write see stopping() and close afterwards.
    if (self->phase_ == Phase::kIdle) self->stream_.cancel();
  });
}

void HttpSession::wait_for_request() {
  if (state_->stopping()) return close();
  phase_ = Phase::kIdle;
  if (buffer_.size() > 0) return read_request();  // a pipelined request is already here
  // Waiting for the first byte separately lets an idle keep-alive connection have a longer
  // timeout than a request being received, and lets stop() close idle connections at once.
  if (first_request_) {
    stream_.expires_at(first_deadline_);
  } else {
    stream_.expires_after(state_->limits.idle_timeout);
  }
  stream_.async_read_some(
      buffer_.prepare(1024),
      beast::bind_front_handler(&HttpSession::on_first_bytes, shared_from_this()));
}

void HttpSession::on_first_bytes(beast::error_code ec, std::size_t bytes) {
  if (ec) {
    if (ec == beast::error::timeout) {
      state_->log->debug("{}: closing idle connection", remote_);
    } else if (ec != boost::asio::error::eof && ec != boost::asio::error::operation_aborted) {
      state_->log->debug("{}: read failed: {}", remote_, ec.message());
    }
    return close();
  }
  buffer_.commit(bytes);
  read_request();
}

void HttpSession::read_request() {
  phase_ = Phase::kReading;
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(state_->limits.max_header_bytes));
  parser_->body_limit(state_->limits.max_body_bytes);
  if (first_request_) {
    stream_.expires_at(first_deadline_);
  } else {
    stream_.expires_after(state_->limits.read_timeout);
  }
  http::async_read(stream_, buffer_, *parser_,
                   beast::bind_front_handler(&HttpSession::on_read, shared_from_this()));
}

void HttpSession::on_read(beast::error_code ec, std::size_t /*bytes*/) {
  if (ec == http::error::end_of_stream || ec == http::error::partial_message) return close();
  if (ec == beast::error::timeout) {
    state_->log->debug("{}: timed out reading a request", remote_);
    return close();
  }
  if (ec && is_parse_error(ec)) {
    const auto status = status_for_parse_error(ec);
    state_->log->debug("{}: malformed request ({}); answering {} and closing", remote_,
                       ec.message(), static_cast<unsigned>(status));
    reply_ = error_reply(status);
    phase_ = Phase::kWriting;
    stream_.expires_after(state_->limits.write_timeout);
    http::async_write(
        stream_, reply_.response,
        [self = shared_from_this()](beast::error_code, std::size_t) { self->linger_then_close(); });
    return;
  }
  if (ec) {
    if (ec != boost::asio::error::operation_aborted) {
      state_->log->debug("{}: read failed: {}", remote_, ec.message());
    }
    return close();
  }

  first_request_ = false;
  const HttpRequest& request = parser_->get();
  HttpReply reply = route_request(request, state_->metrics, state_->healthy);
  const bool close_after = !reply.response.keep_alive() || state_->stopping();
  if (close_after) reply.response.keep_alive(false);
  state_->log->debug("{}: {} {} -> {}", remote_, std::string_view(request.method_string()),
                     std::string_view(request.target()), reply.response.result_int());
  send(std::move(reply), close_after);
}

void HttpSession::send(HttpReply reply, bool close_after) {
  reply_ = std::move(reply);
  phase_ = Phase::kWriting;
  stream_.expires_after(state_->limits.write_timeout);
  http::async_write(
      stream_, reply_.response,
      beast::bind_front_handler(&HttpSession::on_write, shared_from_this(), close_after));
}

void HttpSession::on_write(bool close_after, beast::error_code ec, std::size_t /*bytes*/) {
  reply_ = HttpReply{};  // release the snapshot as soon as its bytes are out
  if (ec) {
    state_->log->debug("{}: write failed: {}", remote_, ec.message());
    return close();
  }
  if (close_after || state_->stopping()) {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    return close();
  }
  wait_for_request();
}

void HttpSession::linger_then_close() {
  reply_ = HttpReply{};
  phase_ = Phase::kLingering;
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream_.expires_after(kLingerTimeout);
  on_linger_read({}, 0);
}

void HttpSession::on_linger_read(beast::error_code ec, std::size_t bytes) {
  discarded_ += bytes;
  if (ec || discarded_ > kLingerMaxBytes) return close();
  stream_.async_read_some(
      boost::asio::buffer(discard_),
      beast::bind_front_handler(&HttpSession::on_linger_read, shared_from_this()));
}

void HttpSession::close() {
  beast::error_code ignored;
  stream_.socket().close(ignored);
}

}  // namespace llmon
