#pragma once
// How the metrics server reads a request: Beast's parser under the server's HttpLimits, and the
// status a malformed request is answered with. Pure functions, shared by HttpSession and the
// fuzz target that drives the same parser without sockets; thread-safe.
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <optional>

#include "exporters/http_limits.hpp"

namespace llmon {

using HttpRequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;

// Replaces `parser` with a fresh one for the next request, header and body limits applied.
void reset_request_parser(std::optional<HttpRequestParser>& parser, const HttpLimits& limits);

// 431 for an oversized request head, 413 for an oversized body, 400 for any other parse error;
// nullopt when `ec` is not a parse error (a timeout, a closed or reset connection).
std::optional<boost::beast::http::status> parse_error_status(const boost::beast::error_code& ec);

}  // namespace llmon
