// HttpServer routes and HTTP semantics, against a real server on 127.0.0.1:0.
#include <doctest/doctest.h>

#include "common/gzip.hpp"
#include "exporters/http_routes.hpp"
#include "http_test_support.hpp"

namespace llmon::testing {
namespace {

const std::string kExposition = TestServer::kInitialText;

TEST_CASE("http accept-encoding: tokens, case and q-values") {
  CHECK(accepts_gzip("gzip"));
  CHECK(accepts_gzip("GZip"));
  CHECK(accepts_gzip("x-gzip"));
  CHECK(accepts_gzip("gzip, deflate, br"));
  CHECK(accepts_gzip("deflate,gzip;q=0.5"));
  CHECK(accepts_gzip(" deflate ; q=1 , gzip ; Q=0.001 "));
  CHECK(accepts_gzip("gzip;q=1.000"));
  CHECK(accepts_gzip("*"));
  CHECK(accepts_gzip("br, *;q=0.1"));
  CHECK_FALSE(accepts_gzip(""));
  CHECK_FALSE(accepts_gzip("identity"));
  CHECK_FALSE(accepts_gzip("deflate, br"));
  CHECK_FALSE(accepts_gzip("gzipfoo"));
  CHECK_FALSE(accepts_gzip("gzip;q=0"));
  CHECK_FALSE(accepts_gzip("gzip; q=0.000"));
  CHECK_FALSE(accepts_gzip("*;q=0"));
  CHECK_FALSE(accepts_gzip("gzip;q=0, *"));  // an explicit refusal beats the wildcard
  CHECK_FALSE(accepts_gzip("*, gzip;q=0"));
  CHECK_FALSE(accepts_gzip("gzip;q=2"));  // malformed q-value: element ignored
  CHECK_FALSE(accepts_gzip("gzip;q=banana"));
  CHECK(accepts_gzip("gzip;q=0.5;level=1"));  // unknown parameters are ignored
}

TEST_CASE("http: GET /metrics serves the snapshot byte for byte") {
  TestServer server;
  const Response r = fetch(server.endpoint(), "GET", "/metrics");
  CHECK(r.status == 200);
  CHECK(r.body == kExposition);
  CHECK(r.header("content-type") == kExpositionContentType);
  CHECK(r.header("content-length") == std::to_string(kExposition.size()));
  CHECK(r.header("vary") == "Accept-Encoding");
  CHECK(r.header("server") == "llmon");
  CHECK_FALSE(r.has("content-encoding"));
}

TEST_CASE("http: gzip is served when accepted and only then") {
  TestServer server;
  const Response zipped = fetch(server.endpoint(), "GET", "/metrics", "Accept-Encoding: gzip\r\n");
  CHECK(zipped.status == 200);
  CHECK(zipped.header("content-encoding") == "gzip");
  CHECK(zipped.header("vary") == "Accept-Encoding");
  CHECK(zipped.header("content-type") == kExpositionContentType);
  const auto text = gzip_decompress(zipped.body, 1 << 20);
  REQUIRE(text.ok());
  CHECK(*text == kExposition);

  const Response refused =
      fetch(server.endpoint(), "GET", "/metrics", "Accept-Encoding: gzip;q=0\r\n");
  CHECK_FALSE(refused.has("content-encoding"));
  CHECK(refused.body == kExposition);
  CHECK(refused.header("vary") == "Accept-Encoding");
}

TEST_CASE("http: HEAD sends GET's headers and no body") {
  TestServer server;
  RawClient client(server.endpoint());
  client.send("HEAD /metrics HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  const std::string raw = client.read_all();
  const auto end = raw.find("\r\n\r\n");
  REQUIRE(end != std::string::npos);
  CHECK(raw.size() == end + 4);  // nothing after the head
  CHECK(raw.find("Content-Length: " + std::to_string(kExposition.size()) + "\r\n") !=
        std::string::npos);

  RawClient head_gzip(server.endpoint());
  head_gzip.send("HEAD /metrics HTTP/1.1\r\nHost: t\r\nAccept-Encoding: gzip\r\n\r\n");
  const auto r = head_gzip.read_response(/*head=*/true);
  REQUIRE(r);
  CHECK(r->header("content-length") == std::to_string(server.snapshots.get()->gzip.size()));
  CHECK(r->header("content-encoding") == "gzip");
  // The connection stays usable, which it would not if a body had been sent after the head.
  head_gzip.send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n");
  const auto next = head_gzip.read_response();
  REQUIRE(next);
  CHECK(next->body == "ok\n");
}

TEST_CASE("http: keep-alive serves several requests on one connection") {
  TestServer server;
  RawClient client(server.endpoint());
  client.send("GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n");
  const auto first = client.read_response();
  REQUIRE(first);
  CHECK(first->body == kExposition);
  CHECK(first->header("connection") != "close");
  client.send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n");
  const auto second = client.read_response();
  REQUIRE(second);
  CHECK(second->status == 200);
  // Pipelined requests are answered in order.
  client.send("GET /nope HTTP/1.1\r\nHost: t\r\n\r\nGET / HTTP/1.1\r\nHost: t\r\n\r\n");
  const auto third = client.read_response();
  const auto fourth = client.read_response();
  REQUIRE(third);
  REQUIRE(fourth);
  CHECK(third->status == 404);
  CHECK(fourth->status == 200);
}

TEST_CASE("http: HTTP/1.0 without keep-alive is closed after the response") {
  TestServer server;
  RawClient client(server.endpoint());
  client.send("GET /metrics HTTP/1.0\r\n\r\n");
  const auto r = client.read_response();
  REQUIRE(r);
  CHECK(r->status_line.rfind("HTTP/1.0 200", 0) == 0);
  CHECK(r->body == kExposition);
  CHECK(client.wait_closed());
}

TEST_CASE("http: 404, 405 and the landing page") {
  TestServer server;
  const Response missing = fetch(server.endpoint(), "GET", "/nope");
  CHECK(missing.status == 404);
  CHECK(missing.header("server") == "llmon");
  CHECK(missing.header("content-length") == std::to_string(missing.body.size()));

  // HEAD of an error page has no body either, or the next response would be misread.
  RawClient head(server.endpoint());
  head.send("HEAD /nope HTTP/1.1\r\nHost: t\r\n\r\nGET /healthz HTTP/1.1\r\nHost: t\r\n\r\n");
  const auto head_404 = head.read_response(/*head=*/true);
  const auto after = head.read_response();
  REQUIRE(head_404);
  REQUIRE(after);
  CHECK(head_404->status == 404);
  CHECK(after->status == 200);
  CHECK(after->body == "ok\n");

  const Response post = fetch(server.endpoint(), "POST", "/metrics", "Content-Length: 0\r\n");
  CHECK(post.status == 405);
  CHECK(post.header("allow") == "GET, HEAD");

  const Response landing = fetch(server.endpoint(), "GET", "/");
  CHECK(landing.status == 200);
  CHECK(landing.header("content-type").rfind("text/html", 0) == 0);
  CHECK(landing.body.find("<title>llmon</title>") != std::string::npos);
  CHECK(landing.body.find("href=\"/metrics\"") != std::string::npos);
  CHECK(landing.body.find("href=\"/healthz\"") != std::string::npos);

  const Response query = fetch(server.endpoint(), "GET", "/metrics?x=1&y");
  CHECK(query.status == 200);
  CHECK(query.body == kExposition);
}

TEST_CASE("http: a small request body is read and the connection kept") {
  TestServer server;
  RawClient client(server.endpoint());
  client.send("POST /metrics HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello");
  const auto post = client.read_response();
  REQUIRE(post);
  CHECK(post->status == 405);
  client.send("GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n");
  const auto get = client.read_response();
  REQUIRE(get);
  CHECK(get->status == 200);
}

TEST_CASE("http: 503 when unhealthy and before the first snapshot") {
  TestServer server({}, /*publish_initial=*/false);
  CHECK(fetch(server.endpoint(), "GET", "/metrics").status == 503);
  const Response ok = fetch(server.endpoint(), "GET", "/healthz");
  CHECK(ok.status == 200);
  CHECK(ok.body == "ok\n");
  server.healthy = false;
  const Response sick = fetch(server.endpoint(), "GET", "/healthz");
  CHECK(sick.status == 503);
  CHECK(sick.body == "unhealthy\n");
  const Response head = fetch(server.endpoint(), "HEAD", "/healthz");
  CHECK(head.status == 503);
  CHECK(head.header("content-length") == "10");
}

TEST_CASE("http: a new snapshot is served on the next request") {
  TestServer server;
  RawClient client(server.endpoint());
  client.send("GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n");
  const auto first = client.read_response();
  REQUIRE(first);
  CHECK(first->body == kExposition);
  server.snapshots.publish("llmon_up 2\n");
  client.send("GET /metrics HTTP/1.1\r\nHost: t\r\nAccept-Encoding: gzip\r\n\r\n");
  const auto second = client.read_response();
  REQUIRE(second);
  const auto text = gzip_decompress(second->body, 1 << 20);
  REQUIRE(text.ok());
  CHECK(*text == "llmon_up 2\n");
}

TEST_CASE("http: a large snapshot is written intact") {
  TestServer server;
  std::string big;
  for (int i = 0; big.size() < 3 * 1024 * 1024; ++i) {
    big += "llmon_series{i=\"" + std::to_string(i) + "\"} " + std::to_string(i * 7) + "\n";
  }
  server.snapshots.publish(big);
  const Response r = fetch(server.endpoint(), "GET", "/metrics");
  CHECK(r.body.size() == big.size());
  CHECK(r.body == big);
}

}  // namespace
}  // namespace llmon::testing
