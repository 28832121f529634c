#pragma once
// Routing for the metrics endpoint: turns a parsed request into a ready-to-write response whose
// body borrows bytes (static text or the snapshot it keeps alive). Stateless; thread-safe as long
// as the SnapshotSource and health check passed in are.
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/span_body.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <functional>
#include <string_view>

#include "exporters/snapshot.hpp"

namespace llmon {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::span_body<const char>>;

// `snapshot` owns the bytes `response` points into (null when the body is static), so the reply
// can be moved around and written without copying the exposition.
struct HttpReply {
  HttpResponse response;
  SnapshotPtr snapshot;
};

// True when an Accept-Encoding value allows gzip: a "gzip"/"x-gzip" coding with q > 0, or, if
// gzip is not listed at all, "*" with q > 0. Codings are case-insensitive; elements with a
// malformed q-value are ignored.
bool accepts_gzip(std::string_view accept_encoding);

// GET/HEAD on "/", "/metrics" and "/healthz"; 405 for other methods there, 404 elsewhere.
// Calls `metrics` or `healthy` at most once and does no I/O.
HttpReply route_request(const HttpRequest& request, const SnapshotSource& metrics,
                        const std::function<bool()>& healthy);

// The reply to a request that could not be parsed: a short text body and Connection: close.
HttpReply error_reply(boost::beast::http::status status);

// With basic auth configured, everything but /healthz needs credentials: a health check (a load
// balancer, a container runtime) learns no more from it than from a TCP connect.
bool route_requires_auth(const HttpRequest& request);

// 401 with `WWW-Authenticate: Basic realm="llmon"`, or (`busy`) 503 when too many password checks
// are waiting.
HttpReply auth_failure_reply(const HttpRequest& request, bool busy);

}  // namespace llmon
