#include "exporters/http_request.hpp"

#include <boost/beast/http/error.hpp>
#include <cstdint>

namespace llmon {

namespace http = boost::beast::http;

void reset_request_parser(std::optional<HttpRequestParser>& parser, const HttpLimits& limits) {
  parser.emplace();
  parser->header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
  parser->body_limit(limits.max_body_bytes);
}

std::optional<http::status> parse_error_status(const boost::beast::error_code& ec) {
  // Beast's end_of_stream and partial_message share the parse errors' category but mean the
  // client went away, which gets no answer.
  if (!ec || ec.category() != make_error_code(http::error::bad_method).category() ||
      ec == http::error::end_of_stream || ec == http::error::partial_message) {
    return std::nullopt;
  }
  if (ec == http::error::header_limit) return http::status::request_header_fields_too_large;
  if (ec == http::error::body_limit) return http::status::payload_too_large;
  return http::status::bad_request;
}

}  // namespace llmon
