#include "exporters/http_routes.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>

namespace llmon {

namespace {

namespace http = boost::beast::http;

constexpr std::string_view kServerName = "llmon";
constexpr std::string_view kTextContentType = "text/plain; charset=utf-8";
constexpr std::string_view kLandingPage =
    "<!DOCTYPE html>\n"
    "<html><head><meta charset=\"utf-8\"><title>llmon</title></head>\n"
    "<body><h1>llmon</h1>\n"
    "<p>Prometheus exporter for AMD GPUs and Ollama.</p>\n"
    "<ul><li><a href=\"/metrics\">/metrics</a></li><li><a href=\"/healthz\">/healthz</a></li>"
    "</ul>\n"
    "</body></html>\n";

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// RFC 9110 qvalue: "0" ["." up to 3 digits] or "1" ["." up to 3 zeros]; in thousandths.
std::optional<int> parse_qvalue(std::string_view v) {
  if (v.empty() || (v[0] != '0' && v[0] != '1')) return std::nullopt;
  int whole = v[0] - '0';
  v.remove_prefix(1);
  if (v.empty()) return whole * 1000;
  if (v[0] != '.' || v.size() > 4) return std::nullopt;
  v.remove_prefix(1);
  int frac = 0;
  int scale = 100;
  for (char c : v) {
    if (c < '0' || c > '9') return std::nullopt;
    frac += (c - '0') * scale;
    scale /= 10;
  }
  if (whole == 1 && frac != 0) return std::nullopt;
  return whole * 1000 + frac;
}

// Splits on `sep`, calling `fn` for each piece (possibly empty).
template <typename Fn>
void split(std::string_view s, char sep, Fn&& fn) {
  for (;;) {
    const auto pos = s.find(sep);
    fn(s.substr(0, pos));
    if (pos == std::string_view::npos) return;
    s.remove_prefix(pos + 1);
  }
}

HttpReply make_reply(const HttpRequest& request, http::status status, std::string_view content_type,
                     std::string_view body) {
  HttpReply reply;
  HttpResponse& res = reply.response;
  res.version(request.version());
  res.result(status);
  res.set(http::field::server, kServerName);
  res.set(http::field::content_type, content_type);
  res.body() = boost::span<const char>(body.data(), body.size());
  res.keep_alive(request.keep_alive());
  return reply;
}

std::string joined_accept_encoding(const HttpRequest& request) {
  // Repeated header fields mean the same as one comma-separated field (RFC 9110 5.3).
  std::string joined;
  auto [it, end] = request.equal_range(http::field::accept_encoding);
  for (; it != end; ++it) {
    if (!joined.empty()) joined += ',';
    joined.append(it->value().data(), it->value().size());
  }
  return joined;
}

HttpReply metrics_reply(const HttpRequest& request, const SnapshotSource& metrics) {
  SnapshotPtr snapshot = metrics ? metrics() : nullptr;
  if (!snapshot) {
    return make_reply(request, http::status::service_unavailable, kTextContentType,
                      "no metrics collected yet\n");
  }
  // A producer that skipped compression still gets served, just uncompressed.
  const bool gzip = !snapshot->gzip.empty() && accepts_gzip(joined_accept_encoding(request));
  const std::string& body = gzip ? snapshot->gzip : snapshot->text;
  HttpReply reply = make_reply(request, http::status::ok, kExpositionContentType, body);
  if (gzip) reply.response.set(http::field::content_encoding, "gzip");
  reply.response.set(http::field::vary, "Accept-Encoding");
  reply.snapshot = std::move(snapshot);
  return reply;
}

std::string_view error_body(http::status status) {
  switch (status) {
    case http::status::payload_too_large:
      return "request body too large\n";
    case http::status::request_header_fields_too_large:
      return "request header fields too large\n";
    case http::status::bad_request:
      return "bad request\n";
    default:
      return "error\n";
  }
}

std::string_view request_path(const HttpRequest& request) {
  std::string_view path(request.target().data(), request.target().size());
  return path.substr(0, path.find('?'));
}

// HEAD gets the same headers as GET, Content-Length included, but the serializer must send no
// body: any body bytes would be read by the client as the start of the next response.
HttpReply finalize(const HttpRequest& request, HttpReply reply) {
  if (request.method() == http::verb::head) {
    const auto length = reply.response.body().size();
    reply.response.body() = {};
    reply.response.content_length(length);
  } else {
    reply.response.prepare_payload();
  }
  return reply;
}

// Picks the reply by path, then method; the body is left for route_request to finalize.
HttpReply dispatch(const HttpRequest& request, const SnapshotSource& metrics,
                   const std::function<bool()>& healthy) {
  const std::string_view path = request_path(request);
  const bool landing = path == "/";
  const bool metrics_path = path == "/metrics";
  const bool health = path == "/healthz";

  if (!landing && !metrics_path && !health) {
    return make_reply(request, http::status::not_found, kTextContentType, "not found\n");
  }
  if (request.method() != http::verb::get && request.method() != http::verb::head) {
    HttpReply reply = make_reply(request, http::status::method_not_allowed, kTextContentType,
                                 "method not allowed\n");
    reply.response.set(http::field::allow, "GET, HEAD");
    return reply;
  }
  if (landing)
    return make_reply(request, http::status::ok, "text/html; charset=utf-8", kLandingPage);
  if (metrics_path) return metrics_reply(request, metrics);
  if (healthy && healthy()) return make_reply(request, http::status::ok, kTextContentType, "ok\n");
  return make_reply(request, http::status::service_unavailable, kTextContentType, "unhealthy\n");
}

}  // namespace

bool accepts_gzip(std::string_view accept_encoding) {
  std::optional<int> gzip_q;
  std::optional<int> star_q;
  split(accept_encoding, ',', [&](std::string_view element) {
    element = trim(element);
    if (element.empty()) return;
    std::string_view coding;
    int q = 1000;
    bool valid = true;
    bool first = true;
    split(element, ';', [&](std::string_view part) {
      part = trim(part);
      if (first) {
        coding = part;
        first = false;
        return;
      }
      const auto eq = part.find('=');
      if (eq == std::string_view::npos || !iequals(trim(part.substr(0, eq)), "q")) return;
      auto parsed = parse_qvalue(trim(part.substr(eq + 1)));
      if (parsed) {
        q = *parsed;
      } else {
        valid = false;
      }
    });
    if (!valid) return;
    // A coding listed twice counts with its most favourable weight.
    if (iequals(coding, "gzip") || iequals(coding, "x-gzip")) {
      gzip_q = std::max(gzip_q.value_or(0), q);
    } else if (coding == "*") {
      star_q = std::max(star_q.value_or(0), q);
    }
  });
  if (gzip_q) return *gzip_q > 0;
  return star_q.value_or(0) > 0;
}

HttpReply route_request(const HttpRequest& request, const SnapshotSource& metrics,
                        const std::function<bool()>& healthy) {
  return finalize(request, dispatch(request, metrics, healthy));
}

bool route_requires_auth(const HttpRequest& request) { return request_path(request) != "/healthz"; }

HttpReply auth_failure_reply(const HttpRequest& request, bool busy) {
  if (busy) {
    HttpReply reply = make_reply(request, http::status::service_unavailable, kTextContentType,
                                 "too many password checks waiting; retry\n");
    reply.response.set(http::field::retry_after, "1");
    return finalize(request, std::move(reply));
  }
  HttpReply reply =
      make_reply(request, http::status::unauthorized, kTextContentType, "unauthorized\n");
  reply.response.set(http::field::www_authenticate, "Basic realm=\"llmon\"");
  return finalize(request, std::move(reply));
}

HttpReply error_reply(http::status status) {
  HttpReply reply;
  HttpResponse& res = reply.response;
  res.version(11);
  res.result(status);
  res.set(http::field::server, kServerName);
  res.set(http::field::content_type, kTextContentType);
  const std::string_view body = error_body(status);
  res.body() = boost::span<const char>(body.data(), body.size());
  res.keep_alive(false);
  res.prepare_payload();
  return reply;
}

}  // namespace llmon
