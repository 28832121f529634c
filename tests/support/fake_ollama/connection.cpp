#include "connection.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>
#include <cctype>
#include <cstdio>

namespace fake_ollama {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

std::string Request::header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return value;
  }
  return "";
}

std::string status_text(int status) {
  switch (status) {
    case 413:
      return "Request Entity Too Large";  // Go's wording
    default: {
      const auto reason = http::obsolete_reason(static_cast<http::status>(status));
      return reason.empty() ? "status code " + std::to_string(status) : std::string(reason);
    }
  }
}

std::string response_head(int status, std::string_view content_type,
                          std::optional<std::size_t> content_length, bool chunked, bool close) {
  std::string head = "HTTP/1.1 " + std::to_string(status) + " " + status_text(status) + "\r\n";
  if (!content_type.empty()) head += "Content-Type: " + std::string(content_type) + "\r\n";
  head += "Date: " + format_http_date(wall_now()) + "\r\n";
  if (content_length) {
    head += "Content-Length: " + std::to_string(*content_length) + "\r\n";
  } else if (chunked) {
    head += "Transfer-Encoding: chunked\r\n";
  }
  if (close) head += "Connection: close\r\n";
  return head + "\r\n";
}

std::string chunk(std::string_view data) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  std::string out(size);
  out.append(data);
  out += "\r\n";
  return out;
}

Connection::Connection(asio::ip::tcp::socket socket, Handler handler)
    : socket_(std::move(socket)),
      handler_(std::move(handler)),
      linger_timer_(socket_.get_executor()) {}

void Connection::start() {
  beast::error_code ignored;
  // Streamed tokens must leave at once, not wait for the client's delayed ACK.
  socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
  read_header();
}

void Connection::read_header() {
  phase_ = Phase::kReading;
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(kMaxHeaderBytes));
  parser_->body_limit(kMaxBodyBytes);
  http::async_read_header(
      socket_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
}

void Connection::on_header(beast::error_code ec) {
  if (ec) return reject(ec);
  const auto& head = parser_->get();
  const auto expect = head[http::field::expect];
  if (beast::iequals(expect, "100-continue") && head.version() == 11) {
    write("HTTP/1.1 100 Continue\r\n\r\n", [self = shared_from_this()](bool ok) {
      if (ok) self->read_body();
    });
    return;
  }
  read_body();
}

void Connection::read_body() {
  http::async_read(
      socket_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_body(ec); });
}

void Connection::reject(beast::error_code ec) {
  if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
      ec.category() != make_error_code(http::error::bad_method).category()) {
    return close();  // the client went away (or the socket failed): nobody to answer
  }
  keep_alive_ = false;
  if (ec == http::error::body_limit) {
    const std::string body = R"({"error":"request body too large"})";
    write(response_head(413, "application/json; charset=utf-8", body.size(), false, true) + body,
          [self = shared_from_this()](bool) { self->linger_then_close(); });
    return;
  }
  // Go's net/http answer to a request it cannot parse.
  const std::string body =
      ec == http::error::header_limit ? "431 Request Header Fields Too Large" : "400 Bad Request";
  const int status = ec == http::error::header_limit ? 431 : 400;
  write(response_head(status, "text/plain; charset=utf-8", std::nullopt, false, true) + body,
        [self = shared_from_this()](bool) { self->linger_then_close(); });
}

void Connection::linger_then_close() {
  // The client may still be sending the request we refused. Closing with unread data makes the
  // kernel send RST, which can destroy our answer before the client reads it; so read and
  // discard for a bounded while first.
  beast::error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  linger_timer_.expires_after(std::chrono::seconds(1));
  linger_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (!ec) self->close();
  });
  discard();
}

void Connection::discard() {
  socket_.async_read_some(asio::buffer(discard_),
                          [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                            self->discarded_ += n;
                            if (ec || self->discarded_ > kMaxLingerBytes) {
                              self->linger_timer_.cancel();
                              return self->close();
                            }
                            self->discard();
                          });
}

void Connection::on_body(beast::error_code ec) {
  if (ec) return reject(ec);
  auto message = parser_->release();
  Request request;
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  request.path = request.target.substr(0, request.target.find('?'));
  for (const auto& field : message) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    request.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  request.body = std::move(message.body());
  request.keep_alive = message.keep_alive();
  request.http11 = message.version() == 11;
  request.received = wall_now();
  keep_alive_ = request.keep_alive;
  http11_ = request.http11;
  head_ = request.head();
  phase_ = Phase::kHandling;
  peer_gone_ = false;
  watch();
  handler_(shared_from_this(), std::move(request));
}

void Connection::watch() {
  // With a pipelined request already buffered there is nothing to wait for: the next request is
  // read straight from the buffer once this one is answered.
  if (watching_ || !socket_.is_open() || buffer_.size() > 0) return;
  watching_ = true;
  socket_.async_read_some(
      buffer_.prepare(4096),
      [self = shared_from_this()](beast::error_code ec, std::size_t n) { self->on_watch(ec, n); });
}

void Connection::on_watch(beast::error_code ec, std::size_t bytes) {
  watching_ = false;
  if (ec) {
    // EOF or reset while answering: Go cancels the request's context; so do we.
    peer_gone_ = true;
    if (phase_ == Phase::kHandling) {
      auto on_gone = std::move(on_gone_);
      on_gone_ = nullptr;
      if (on_gone) on_gone();
    }
    if (phase_ != Phase::kHandling) close();
    return;
  }
  // A pipelined request: keep it for after this response (and stop watching until then).
  buffer_.commit(bytes);
  if (phase_ == Phase::kWaitingNext) read_header();
}

void Connection::on_disconnect(std::function<void()> on_gone) {
  on_gone_ = std::move(on_gone);
  if (peer_gone_ && on_gone_) {
    auto fire = std::move(on_gone_);
    on_gone_ = nullptr;
    asio::post(socket_.get_executor(), std::move(fire));
  }
}

void Connection::send(int status, std::string_view content_type, std::string body) {
  const bool close_after = !keep_alive_;
  std::string bytes = response_head(status, content_type, body.size(), false, close_after);
  if (!head_) bytes += body;
  write(std::move(bytes), [weak = weak_from_this()](bool ok) {
    const auto self = weak.lock();
    if (ok && self) self->finish();
  });
}

void Connection::write(std::string bytes, std::function<void(bool)> done) {
  if (!socket_.is_open()) {
    if (done) asio::post(socket_.get_executor(), [done = std::move(done)] { done(false); });
    return;
  }
  out_.push_back({std::move(bytes), std::move(done)});
  if (out_.size() == 1) write_next();
}

void Connection::write_next() {
  asio::async_write(socket_, asio::buffer(out_.front().bytes),
                    [self = shared_from_this()](beast::error_code ec, std::size_t) {
                      Pending item = std::move(self->out_.front());
                      self->out_.pop_front();
                      if (ec) {
                        self->close();
                        std::deque<Pending> rest;
                        rest.swap(self->out_);
                        if (item.done) item.done(false);
                        for (auto& p : rest) {
                          if (p.done) p.done(false);
                        }
                        return;
                      }
                      if (!self->out_.empty()) self->write_next();
                      if (item.done) item.done(true);
                    });
}

void Connection::finish() {
  on_gone_ = nullptr;
  if (phase_ != Phase::kHandling) return;
  if (!keep_alive_ || peer_gone_) {
    beast::error_code ignored;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    return close();
  }
  if (watching_) {
    phase_ = Phase::kWaitingNext;  // on_watch continues once the client sends or leaves
    return;
  }
  read_header();
}

void Connection::close() {
  phase_ = Phase::kClosed;
  on_gone_ = nullptr;
  beast::error_code ignored;
  socket_.close(ignored);
  // Queued writes fail; their callbacks leave the connection (which often owns their owners)
  // while their bytes stay until the aborted write returns.
  for (auto& pending : out_) {
    if (pending.done) {
      asio::post(socket_.get_executor(), [done = std::move(pending.done)] { done(false); });
      pending.done = nullptr;
    }
  }
}

void Connection::reset() {
  beast::error_code ignored;
  socket_.set_option(asio::socket_base::linger(true, 0), ignored);
  close();
}

}  // namespace fake_ollama
