#include "common/http_response_reader.hpp"

#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/none.hpp>

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
  // Beast refuses a Content-Length over the limit with the head; the rest is counted here.
  parser_.body_limit(settings_.max_body_bytes);
  if (settings_.head) parser_.skip(true);
  // A chunk over the limit is refused as announced, before its data is read.
  on_chunk_header_ = [this](std::uint64_t size, beast::string_view, beast::error_code& ec) {
    if (size > settings_.max_body_bytes - announced_bytes_) {
      ec = http::error::body_limit;
    } else {
      announced_bytes_ += size;
    }
  };
  parser_.on_chunk_header(on_chunk_header_);
}

std::size_t HttpResponseReader::feed(std::string_view bytes) {
  std::size_t used = 0;
  // Each put() takes one step (the head, or one piece of body) and says what it needs next.
  while (state_ == State::kReading) {
    auto& body = parser_.get().body();
    body.data = piece_.get();
    body.size = settings_.piece_bytes;
    beast::error_code ec;
    const std::size_t n =
        parser_.put(boost::asio::const_buffer(bytes.data() + used, bytes.size() - used), ec);
    used += n;
    if (!head_done_ && !read_head(n)) break;
    const std::size_t written = settings_.piece_bytes - body.size;
    if (written > 0) {
      body_bytes_ += written;
      if (body_bytes_ > settings_.max_body_bytes) {
        fail_at(http::error::body_limit);
        break;
      }
      if (!deliver({piece_.get(), written})) {
        state_ = State::kStopped;
        break;
      }
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

bool HttpResponseReader::read_head(std::size_t parsed) {
  // Beast limits the status line and the fields each on their own when they come in one piece,
  // but the head as a whole when it comes in several: the limit is the whole head's.
  head_bytes_ += parsed;
  if (head_bytes_ > settings_.max_header_bytes) {
    fail_at(http::error::header_limit);
    return false;
  }
  if (!parser_.is_header_done()) return true;
  head_done_ = true;
  // Beast would charge a body that ends with the close for all the input each step is offered
  // (a step takes one piece), and a chunk again each time its header is parsed anew.
  parser_.body_limit(boost::none);
  response_.status = parser_.get().result_int();
  response_.content_type = std::string(parser_.get()[http::field::content_type]);
  return true;
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
