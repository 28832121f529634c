#include "common/http_response_reader.hpp"

#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>

namespace llmon {

namespace beast = boost::beast;
namespace http = beast::http;

std::string http_error_text(std::string_view what, const beast::error_code& ec,
                            const HttpResponseSettings& settings) {
  if (ec == http::error::body_limit) {
    return "response body larger than " + std::to_string(settings.max_body_bytes) + " bytes";
  }
  if (ec == http::error::header_limit) {
    return "response headers larger than " + std::to_string(settings.max_header_bytes) + " bytes";
  }
  std::string text(what);
  if (ec == http::error::partial_message || ec == http::error::end_of_stream) {
    return text + ": connection closed before the response was complete";
  }
  return text + ": " + ec.message();
}

HttpResponseReader::HttpResponseReader(const HttpResponseSettings& settings,
                                       HttpClient::BodyConsumer consumer)
    : settings_(settings), consumer_(std::move(consumer)) {
  // An empty piece buffer would make the parser ask for a buffer forever.
  settings_.piece_bytes = std::max<std::size_t>(settings_.piece_bytes, 1);
  piece_ = std::make_unique_for_overwrite<char[]>(settings_.piece_bytes);
  parser_.header_limit(settings_.max_header_bytes);
  parser_.body_limit(settings_.max_body_bytes);
  if (settings_.head) parser_.skip(true);
}

std::size_t HttpResponseReader::feed(std::string_view bytes) {
  std::size_t used = 0;
  // Each put() takes one step (the head, or one piece of body) and says what it needs next.
  while (state_ == State::kReading) {
    auto& body = parser_.get().body();
    body.data = piece_.get();
    body.size = settings_.piece_bytes;
    beast::error_code ec;
    used += parser_.put(boost::asio::const_buffer(bytes.data() + used, bytes.size() - used), ec);
    if (!head_done_ && parser_.is_header_done()) read_head();
    const std::size_t written = settings_.piece_bytes - body.size;
    if (written > 0 && !deliver({piece_.get(), written})) {
      state_ = State::kStopped;
      break;
    }
    if (ec == http::error::need_buffer) continue;  // the piece was full and has been handed on
    if (ec == http::error::need_more) break;
    if (ec) {
      fail_at(ec);
    } else if (parser_.is_done()) {
      state_ = State::kComplete;
    } else if (used == bytes.size()) {
      break;
    }
  }
  return used;
}

void HttpResponseReader::read_head() {
  head_done_ = true;
  response_.status = parser_.get().result_int();
  response_.content_type = std::string(parser_.get()[http::field::content_type]);
}

void HttpResponseReader::feed_eof() {
  if (state_ != State::kReading) return;
  // Closed before a single byte: what a kept-alive connection the server dropped looks like.
  if (!parser_.got_some()) return fail_at(http::error::end_of_stream);
  beast::error_code ec;
  parser_.put_eof(ec);
  if (ec) return fail_at(ec);
  state_ = State::kComplete;
}

void HttpResponseReader::fail(const beast::error_code& ec) {
  if (state_ == State::kReading) fail_at(ec);
}

bool HttpResponseReader::keep_alive() const {
  return state_ == State::kComplete && parser_.keep_alive();
}

std::string HttpResponseReader::error_text() const {
  return http_error_text(header_done() ? "reading the response body" : "no response", error_,
                         settings_);
}

bool HttpResponseReader::deliver(std::string_view piece) {
  if (consumer_) return consumer_(piece);
  response_.body.append(piece);
  return true;
}

void HttpResponseReader::fail_at(const beast::error_code& ec) {
  error_ = ec;
  state_ = State::kFailed;
}

}  // namespace llmon
