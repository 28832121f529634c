#include "exporters/http_session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <sstream>

#include "common/log.hpp"
#include "exporters/http_request.hpp"

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
// Bound on sending TLS close_notify (and waiting for the client's).
constexpr std::chrono::seconds kShutdownTimeout{1};

std::string describe(const tcp::endpoint& remote) {
  std::ostringstream out;
  out << remote;
  return out.str();
}

}  // namespace

// --- HttpServerState ---

HttpServerState::HttpServerState(boost::asio::any_io_executor executor, SnapshotSource metrics_in,
                                 std::function<bool()> healthy_in, HttpLimits limits_in)
    : metrics(std::move(metrics_in)),
      healthy(std::move(healthy_in)),
      limits(limits_in),
      log(logger("http")),
      connections(limits_in.max_connections, limits_in.max_connections_per_client),
      executor_(std::move(executor)) {}

void HttpServerState::set_security(std::shared_ptr<const TlsContext> tls,
                                   std::shared_ptr<Authenticator> auth) {
  std::lock_guard lock(security_mutex_);
  tls_ = std::move(tls);
  auth_ = std::move(auth);
}

std::shared_ptr<const TlsContext> HttpServerState::tls() const {
  std::lock_guard lock(security_mutex_);
  return tls_;
}

std::shared_ptr<Authenticator> HttpServerState::authenticator() const {
  std::lock_guard lock(security_mutex_);
  return auth_;
}

void HttpServerState::remove(ConnectionSlot& slot) {
  for (auto& waiter : connections.remove(slot)) boost::asio::post(executor_, std::move(waiter));
}

void HttpServerState::stop_sessions() {
  for (auto& session : connections.stop()) session->request_stop();
}

void HttpServerState::async_wait_idle(std::function<void()> handler) {
  if (!connections.wait_idle(handler)) boost::asio::post(executor_, std::move(handler));
}

// --- HttpSession ---

HttpSession::HttpSession(tcp::socket&& socket, std::shared_ptr<HttpServerState> state,
                         const std::shared_ptr<const TlsContext>& tls)
    : state_(std::move(state)),
      strand_(socket.get_executor()),
      stream_([&]() -> std::unique_ptr<ByteStream> {
        beast::error_code ec;
        const tcp::endpoint remote = socket.remote_endpoint(ec);
        remote_ = ec ? "?" : describe(remote);
        client_ = ClientKey::from(remote.address());
        if (tls) return tls->wrap(std::move(socket), boost::asio::error::eof);
        return make_plain_stream(std::move(socket));
      }()),
      stream_ref_(*stream_, strand_,
                  [this] { slot_.set_writing(now() + state_->limits.stalled_write_after); }),
      deadline_(strand_) {
  slot_.set_opening(now() + state_->limits.reclaim_after);
}

HttpSession::~HttpSession() { state_->remove(slot_); }

void HttpSession::run() {
  boost::asio::dispatch(strand_, [self = shared_from_this()] {
    // Without this, Nagle's algorithm holds back a response that follows another on the same
    // connection until the client's delayed ACK (~40 ms).
    beast::error_code ignored;
    self->stream_->socket().set_option(tcp::no_delay(true), ignored);
    self->first_deadline_ = self->now() + self->state_->limits.read_timeout;
    if (!self->stream_->tls()) return self->wait_for_request();
    self->phase_ = Phase::kHandshake;
    self->arm(self->first_deadline_);
    self->stream_->async_handshake(
        IoHandler([self](boost::system::error_code ec, std::size_t) { self->on_handshake(ec); }));
  });
}

void HttpSession::reclaim() {
  boost::asio::post(strand_, [self = shared_from_this()] {
    // A request being answered and making progress finishes first; on_write then closes.
    if (self->phase_ == Phase::kAuthenticating || self->phase_ == Phase::kClosed) return;
    if (self->phase_ == Phase::kWriting && !self->slot_.reclaimable(self->now())) return;
    self->state_->log->debug("{}: closing to make room for a new connection", self->remote_);
    self->close();
  });
}

void HttpSession::request_stop() {
  boost::asio::post(strand_, [self = shared_from_this()] {
    // Only a connection waiting for its next request is interrupted; one that is receiving or
    // answering a request finishes it, and sees stopping() afterwards.
    if (self->phase_ == Phase::kIdle) self->close();
  });
}

void HttpSession::arm(std::chrono::steady_clock::time_point deadline) {
  timed_out_ = false;
  deadline_.expires_at(deadline);
  deadline_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    // A wait that was re-armed meanwhile is stale: only an expiry still due counts.
    if (ec || self->deadline_.expiry() > self->now() || self->phase_ == Phase::kClosed) return;
    self->timed_out_ = true;
    beast::error_code ignored;
    self->stream_->socket().cancel(ignored);
  });
}

void HttpSession::on_handshake(boost::system::error_code ec) {
  if (ec) {
    state_->log->debug("{}: TLS handshake failed: {}", remote_,
                       timed_out_ ? "timed out" : ec.message());
    return close();
  }
  wait_for_request();
}

void HttpSession::wait_for_request() {
  if (must_close()) return shutdown_then_close();
  phase_ = Phase::kIdle;
  if (buffer_.size() > 0) return read_request();  // a pipelined request is already here
  // Waiting for the first byte separately lets an idle keep-alive connection have a longer
  // timeout than a request being received, and lets stop() close idle connections at once.
  if (first_request_) {
    arm(first_deadline_);
  } else {
    slot_.set_idle(now());
    const bool pressure = state_->connections.under_pressure(slot_);
    arm(now() + (pressure ? state_->limits.pressure_idle_timeout : state_->limits.idle_timeout));
  }
  stream_->async_read_some(
      buffer_.prepare(1024),
      IoHandler([self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
        self->on_first_bytes(ec, n);
      }));
}

void HttpSession::on_first_bytes(boost::system::error_code ec, std::size_t bytes) {
  if (ec) {
    if (timed_out_) {
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
  reset_request_parser(parser_, state_->limits);
  if (first_request_) {
    arm(first_deadline_);
  } else {
    slot_.set_opening(now() + state_->limits.reclaim_after);
    arm(now() + state_->limits.read_timeout);
  }
  http::async_read(stream_ref_, buffer_, *parser_,
                   beast::bind_front_handler(&HttpSession::on_read, shared_from_this()));
}

void HttpSession::on_read(beast::error_code ec, std::size_t /*bytes*/) {
  if (ec == http::error::end_of_stream || ec == http::error::partial_message) return close();
  if (ec && timed_out_) {
    state_->log->debug("{}: timed out reading a request", remote_);
    return close();
  }
  if (const auto status = parse_error_status(ec)) {
    state_->log->debug("{}: malformed request ({}); answering {} and closing", remote_,
                       ec.message(), static_cast<unsigned>(*status));
    slot_.set_busy();
    reply_ = error_reply(*status);
    phase_ = Phase::kWriting;
    arm(now() + state_->limits.write_timeout);
    http::async_write(
        stream_ref_, reply_.response,
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
  slot_.set_busy();
  deadline_.cancel();
  authorize_then_answer();
}

void HttpSession::authorize_then_answer() {
  const HttpRequest& request = parser_->get();
  std::shared_ptr<Authenticator> auth = state_->authenticator();
  if (!auth || !route_requires_auth(request)) return answer(AuthVerdict::kAllowed);
  const auto found = request.find(http::field::authorization);
  const std::string_view header =
      found == request.end() ? std::string_view() : std::string_view(found->value());
  if (auto verdict = auth->check_cached(header)) return answer(*verdict);
  phase_ = Phase::kAuthenticating;
  const bool queued = auth->verify(header, [self = shared_from_this()](AuthVerdict verdict) {
    boost::asio::post(self->strand_, [self, verdict] { self->answer(verdict); });
  });
  if (!queued) answer(AuthVerdict::kBusy);
}

void HttpSession::answer(AuthVerdict verdict) {
  if (phase_ == Phase::kClosed) return;
  const HttpRequest& request = parser_->get();
  HttpReply reply = verdict == AuthVerdict::kAllowed
                        ? route_request(request, state_->metrics, state_->healthy)
                        : auth_failure_reply(request, verdict == AuthVerdict::kBusy);
  const bool close_after = !reply.response.keep_alive() || must_close();
  if (close_after) reply.response.keep_alive(false);
  state_->log->debug("{}: {} {} -> {}", remote_, std::string_view(request.method_string()),
                     std::string_view(request.target()), reply.response.result_int());
  send(std::move(reply), close_after);
}

void HttpSession::send(HttpReply reply, bool close_after) {
  reply_ = std::move(reply);
  phase_ = Phase::kWriting;
  slot_.set_writing(now() + state_->limits.stalled_write_after);
  arm(now() + state_->limits.write_timeout);
  http::async_write(
      stream_ref_, reply_.response,
      beast::bind_front_handler(&HttpSession::on_write, shared_from_this(), close_after));
}

void HttpSession::on_write(bool close_after, beast::error_code ec, std::size_t /*bytes*/) {
  reply_ = HttpReply{};  // release the snapshot as soon as its bytes are out
  if (ec) {
    state_->log->debug("{}: write failed: {}", remote_,
                       timed_out_ ? std::string("timed out") : ec.message());
    return close();
  }
  if (close_after || must_close()) return shutdown_then_close();
  wait_for_request();
}

void HttpSession::linger_then_close() {
  reply_ = HttpReply{};
  if (stream_->tls()) return shutdown_then_close();
  phase_ = Phase::kLingering;
  slot_.set_idle(now());
  beast::error_code ignored;
  stream_->socket().shutdown(tcp::socket::shutdown_send, ignored);
  arm(now() + kLingerTimeout);
  on_linger_read({}, 0);
}

void HttpSession::on_linger_read(boost::system::error_code ec, std::size_t bytes) {
  discarded_ += bytes;
  if (ec || discarded_ > kLingerMaxBytes) return close();
  stream_->async_read_some(
      boost::asio::buffer(discard_),
      IoHandler([self = shared_from_this()](boost::system::error_code e, std::size_t n) {
        self->on_linger_read(e, n);
      }));
}

void HttpSession::shutdown_then_close() {
  phase_ = Phase::kShuttingDown;
  slot_.set_idle(now());
  arm(now() + kShutdownTimeout);
  stream_->async_shutdown(IoHandler(
      [self = shared_from_this()](boost::system::error_code, std::size_t) { self->close(); }));
}

void HttpSession::close() {
  if (phase_ == Phase::kClosed) return;
  phase_ = Phase::kClosed;
  deadline_.cancel();
  beast::error_code ignored;
  stream_->socket().close(ignored);
}

}  // namespace llmon
