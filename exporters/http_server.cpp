#include "exporters/http_server.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include "exporters/http_session.hpp"

namespace llmon {

using boost::asio::ip::tcp;

namespace {

// Accept failures such as EMFILE repeat for as long as the cause lasts; spinning on them would
// burn a core and flood the log, so retry after a pause and warn at most this often.
constexpr std::chrono::milliseconds kAcceptRetryDelay{100};
constexpr std::chrono::seconds kWarnInterval{10};

std::string to_string(const tcp::endpoint& endpoint) {
  std::ostringstream out;
  out << endpoint;
  return out.str();
}

// Errors about one would-be connection that vanished before we took it, not about our socket.
bool is_transient_peer_error(const boost::system::error_code& ec) {
  return ec == boost::asio::error::connection_aborted || ec == boost::asio::error::connection_reset;
}

}  // namespace

// Owns the listening socket; all of its work runs on one strand.
class HttpListener : public std::enable_shared_from_this<HttpListener> {
 public:
  HttpListener(boost::asio::io_context& ioc, std::shared_ptr<HttpServerState> state)
      : ioc_(ioc),
        strand_(boost::asio::make_strand(ioc)),
        acceptor_(strand_),
        retry_timer_(strand_),
        state_(std::move(state)) {}

  tcp::endpoint open(const tcp::endpoint& endpoint) {
    boost::system::error_code ec;
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(boost::asio::socket_base::max_listen_connections, ec);
    tcp::endpoint bound;
    if (!ec) bound = acceptor_.local_endpoint(ec);
    if (ec) {
      const std::string what = "cannot listen on " + to_string(endpoint);
      state_->log->error("{}: {}", what, ec.message());
      boost::system::error_code ignored;
      acceptor_.close(ignored);
      throw std::system_error(ec, what);
    }
    return bound;
  }

  void run() {
    boost::asio::post(strand_, [self = shared_from_this()] { self->do_accept(); });
  }

  void stop() {
    boost::asio::post(strand_, [self = shared_from_this()] {
      boost::system::error_code ignored;
      self->acceptor_.close(ignored);
      self->retry_timer_.cancel();
    });
  }

 private:
  void do_accept() {
    if (!acceptor_.is_open()) return;
    // Each connection gets its own strand so handlers stay serialized per connection even when
    // several threads run the io_context.
    acceptor_.async_accept(
        boost::asio::make_strand(ioc_),
        [self = shared_from_this()](boost::system::error_code ec, tcp::socket socket) {
          self->on_accept(ec, std::move(socket));
        });
  }

  void on_accept(boost::system::error_code ec, tcp::socket socket) {
    if (!acceptor_.is_open() || ec == boost::asio::error::operation_aborted) return;
    if (ec) {
      if (is_transient_peer_error(ec)) {
        state_->log->debug("accept: {}", ec.message());
        return do_accept();
      }
      warn_limited(last_accept_warning_, "accept failed: {} (retrying)", ec.message());
      retry_timer_.expires_after(kAcceptRetryDelay);
      retry_timer_.async_wait([self = shared_from_this()](boost::system::error_code wait_ec) {
        if (!wait_ec) self->do_accept();
      });
      return;
    }
    admit(std::move(socket));
    do_accept();
  }

  void admit(tcp::socket socket) {
    auto session = std::make_shared<HttpSession>(std::move(socket), state_, state_->tls());
    const auto admission = state_->connections.admit(session->slot(), session->client(), session,
                                                     std::chrono::steady_clock::now());
    using Verdict = ConnectionTable::Verdict;
    if (admission.verdict == Verdict::kAdmitted) {
      if (admission.reclaim) {
        admission.reclaim->reclaim();
        warn_limited(last_reclaim_warning_,
                     "{} cap reached: closing the most idle connections to admit new ones ({} so "
                     "far; from {} now)",
                     admission.client_cap ? "per-client connection" : "connection",
                     state_->connections.reclaimed_total(), session->remote());
      }
      session->run();
    } else if (admission.verdict == Verdict::kRefusedCap) {
      warn_limited(last_cap_warning_,
                   "{} cap reached and no connection is reclaimable: refusing new ones ({} so far; "
                   "from {} now)",
                   admission.client_cap ? "per-client connection" : "connection",
                   state_->connections.refused_total(), session->remote());
    }
    // A refused session is destroyed here, closing its socket.
  }

  template <typename... Args>
  void warn_limited(std::chrono::steady_clock::time_point& last, fmt::format_string<Args...> format,
                    Args&&... args) {
    const auto now = std::chrono::steady_clock::now();
    if (last != std::chrono::steady_clock::time_point{} && now - last < kWarnInterval) return;
    last = now;
    state_->log->warn(format, std::forward<Args>(args)...);
  }

  boost::asio::io_context& ioc_;
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_timer_;
  std::shared_ptr<HttpServerState> state_;
  std::chrono::steady_clock::time_point last_accept_warning_{};
  std::chrono::steady_clock::time_point last_cap_warning_{};
  std::chrono::steady_clock::time_point last_reclaim_warning_{};
};

HttpServer::HttpServer(boost::asio::io_context& ioc, tcp::endpoint endpoint, SnapshotSource metrics,
                       std::function<bool()> healthy, HttpLimits limits)
    : ioc_(ioc),
      requested_(endpoint),
      state_(std::make_shared<HttpServerState>(ioc.get_executor(), std::move(metrics),
                                               std::move(healthy), limits)) {}

HttpServer::~HttpServer() { stop(); }

void HttpServer::start() {
  if (listener_) throw std::logic_error("HttpServer::start() called twice");
  auto listener = std::make_shared<HttpListener>(ioc_, state_);
  bound_ = listener->open(requested_);
  listener_ = std::move(listener);
  listener_->run();
  state_->log->debug("listening on {}", to_string(bound_));
}

tcp::endpoint HttpServer::local_endpoint() const { return bound_; }

void HttpServer::stop() {
  if (listener_) listener_->stop();
  state_->stop_sessions();
}

void HttpServer::async_wait_idle(std::function<void()> handler) {
  state_->async_wait_idle(std::move(handler));
}

void HttpServer::set_security(std::shared_ptr<const TlsContext> tls,
                              std::shared_ptr<Authenticator> auth) {
  state_->set_security(std::move(tls), std::move(auth));
}

void HttpServer::set_connection_caps(std::size_t max_connections, std::size_t max_per_client) {
  state_->connections.set_caps(max_connections, max_per_client);
}

std::size_t HttpServer::open_connections() const { return state_->connections.size(); }

std::uint64_t HttpServer::reclaimed_connections() const {
  return state_->connections.reclaimed_total();
}

std::uint64_t HttpServer::refused_connections() const {
  return state_->connections.refused_total();
}

}  // namespace llmon
