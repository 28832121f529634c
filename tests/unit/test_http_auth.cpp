// Basic auth on the HTTP server: 401s, the realm, /healthz left open, keep-alive after a check.
#include <doctest/doctest.h>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <future>

#include "http_test_support.hpp"

namespace llmon::testing {
namespace {

const std::string kHash = "$2y$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";  // U*U
const std::string kGood = "Authorization: Basic cHJvbWV0aGV1czpVKlU=\r\n";   // prometheus:U*U
const std::string kWrong = "Authorization: Basic cHJvbWV0aGV1czpVKlUq\r\n";  // prometheus:U*U*

struct AuthServer {
  boost::asio::thread_pool pool{1};
  TestServer server;
  std::shared_ptr<Authenticator> auth;

  explicit AuthServer(Authenticator::Options options = {}) {
    auth = std::make_shared<Authenticator>(Authenticator::Users{{"prometheus", kHash}},
                                           pool.get_executor(), options);
    server.server().set_security(nullptr, auth);
  }
  ~AuthServer() { pool.join(); }
};

TEST_CASE("http auth: no or wrong credentials get 401 with the Basic realm") {
  AuthServer s;
  for (const std::string& extra :
       {std::string(), kWrong, std::string("Authorization: Bearer abc\r\n")}) {
    CAPTURE(extra);
    const Response r = fetch(s.server.endpoint(), "GET", "/metrics", extra);
    CHECK(r.status == 401);
    CHECK(r.header("www-authenticate") == "Basic realm=\"llmon\"");
    CHECK(r.body.find("llmon_up") == std::string::npos);
  }
  CHECK(fetch(s.server.endpoint(), "GET", "/", "").status == 401);
  CHECK(fetch(s.server.endpoint(), "GET", "/nonexistent", "").status == 401);
  const Response head = fetch(s.server.endpoint(), "HEAD", "/metrics", "");
  CHECK(head.status == 401);
}

TEST_CASE("http auth: the right password serves the metrics, and keep-alive continues") {
  AuthServer s;
  RawClient client(s.server.endpoint());
  for (int i = 0; i < 3; ++i) {
    client.send("GET /metrics HTTP/1.1\r\nHost: t\r\n" + kGood + "\r\n");
    const auto r = client.read_response();
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->body == TestServer::kInitialText);
  }
  CHECK(s.auth->bcrypt_runs() == 1);  // then served from the cache
  // A wrong password on the same connection is still refused.
  client.send("GET /metrics HTTP/1.1\r\nHost: t\r\n" + kWrong + "\r\n");
  const auto denied = client.read_response();
  REQUIRE(denied);
  CHECK(denied->status == 401);
}

TEST_CASE("http auth: /healthz needs no credentials") {
  AuthServer s;
  const Response r = fetch(s.server.endpoint(), "GET", "/healthz", "");
  CHECK(r.status == 200);
  CHECK(r.body == "ok\n");
  CHECK(s.auth->bcrypt_runs() == 0);
}

TEST_CASE("http auth: too many password checks waiting get 503, other clients go on") {
  Authenticator::Options options;
  options.max_waiting = 1;
  AuthServer s(options);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  boost::asio::post(s.pool, [released] { released.wait(); });  // bcrypt cannot start
  RawClient first(s.server.endpoint());
  first.send("GET /metrics HTTP/1.1\r\nHost: t\r\n" + kWrong + "\r\n");  // waits for bcrypt
  std::this_thread::sleep_for(100ms);
  const Response busy = fetch(s.server.endpoint(), "GET", "/metrics", kWrong);
  CHECK(busy.status == 503);
  CHECK(busy.header("retry-after") == "1");
  CHECK(fetch(s.server.endpoint(), "GET", "/healthz", "").status == 200);
  release.set_value();
  const auto r = first.read_response();
  REQUIRE(r);
  CHECK(r->status == 401);
}

TEST_CASE("http auth: removing the authenticator opens the endpoint again") {
  AuthServer s;
  CHECK(fetch(s.server.endpoint(), "GET", "/metrics", "").status == 401);
  s.server.server().set_security(nullptr, nullptr);
  CHECK(fetch(s.server.endpoint(), "GET", "/metrics", "").status == 200);
}

}  // namespace
}  // namespace llmon::testing
