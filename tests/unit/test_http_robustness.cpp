// HttpServer against misbehaving clients, timeouts, connection caps and shutdown.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <vector>

#include "http_test_support.hpp"

namespace llmon::testing {
namespace {

HttpLimits short_timeouts() {
  HttpLimits limits;
  limits.read_timeout = 300ms;
  limits.idle_timeout = 200ms;
  return limits;
}

TEST_CASE("http: garbage gets 400 and a close, and does not disturb other clients") {
  TestServer server;
  RawClient bad(server.endpoint());
  bad.send("HELLO\r\n\r\n");
  const auto r = bad.read_response();
  REQUIRE(r);
  CHECK(r->status == 400);
  CHECK(r->header("connection") == "close");
  CHECK(r->header("server") == "llmon");
  CHECK(bad.wait_closed());
  CHECK(fetch(server.endpoint(), "GET", "/metrics").status == 200);

  for (const char* junk : {"GET /metrics HTTP/9.9\r\n\r\n", "G@T /metrics HTTP/1.1\r\n\r\n",
                           "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n"}) {
    CAPTURE(junk);
    RawClient client(server.endpoint());
    client.send(junk);
    const auto reply = client.read_response();
    REQUIRE(reply);
    CHECK(reply->status == 400);
    CHECK(client.wait_closed());
  }
  CHECK(fetch(server.endpoint(), "GET", "/healthz").status == 200);
}

TEST_CASE("http: oversized headers are refused") {
  TestServer server;
  RawClient client(server.endpoint());
  std::string request = "GET /metrics HTTP/1.1\r\nHost: t\r\n";
  for (int i = 0; i < 20; ++i)
    request += "X-Filler-" + std::to_string(i) + ": " + std::string(1000, 'a') + "\r\n";
  request += "\r\n";
  client.send(request);
  const auto r = client.read_response();
  REQUIRE(r);
  CHECK(r->status == 431);
  CHECK(client.wait_closed());
  CHECK(fetch(server.endpoint(), "GET", "/metrics").status == 200);
}

TEST_CASE("http: an oversized body is refused") {
  TestServer server;
  RawClient client(server.endpoint());
  client.send("POST /metrics HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n" +
              std::string(100000, 'x'));
  const auto r = client.read_response();
  REQUIRE(r);
  CHECK(r->status == 413);
  CHECK(client.wait_closed());
}

TEST_CASE("http: a stalled client does not block others") {
  TestServer server;
  RawClient slow(server.endpoint());
  slow.send("GET /metrics HTTP/1.1\r\nHost: t\r\nUser-Ag");
  const Response r = fetch(server.endpoint(), "GET", "/metrics");
  CHECK(r.status == 200);
  CHECK(server.server().open_connections() >= 1);  // the slow one is still there
  slow.send("ent: late\r\n\r\n");
  const auto late = slow.read_response();
  REQUIRE(late);
  CHECK(late->status == 200);
}

TEST_CASE("http: silent and idle connections time out") {
  TestServer server(short_timeouts());
  RawClient silent(server.endpoint());  // never sends anything
  RawClient half(server.endpoint());
  half.send("GET /metrics HTTP/1.1\r\n");  // starts a request and stalls
  RawClient idle(server.endpoint());
  idle.send("GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n");
  REQUIRE(idle.read_response());

  const auto start = std::chrono::steady_clock::now();
  CHECK(silent.wait_closed(3s));
  CHECK(half.wait_closed(3s));
  CHECK(idle.wait_closed(3s));
  CHECK(std::chrono::steady_clock::now() - start < 2s);
  CHECK(fetch(server.endpoint(), "GET", "/metrics").status == 200);
}

TEST_CASE("http: at the connection cap, the longest-idle connection makes room") {
  HttpLimits limits;
  limits.max_connections = 2;
  TestServer server(limits);
  RawClient a(server.endpoint());
  RawClient b(server.endpoint());
  for (RawClient* c : {&a, &b}) {  // a served request proves the server registered it
    c->send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n");
    REQUIRE(c->read_response());
  }
  RawClient newcomer(server.endpoint());
  newcomer.send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n");
  const auto r = newcomer.read_response();
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(a.wait_closed(2s));                              // idle longest: closed for it
  CHECK(b.read_response(false, 100ms) == std::nullopt);  // still open, nothing to read
  b.send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n");
  REQUIRE(b.read_response());
  CHECK(server.server().reclaimed_connections() == 1);
}

TEST_CASE("http: a response in progress is not reclaimed until it stalls") {
  HttpLimits limits;
  limits.max_connections = 1;
  limits.stalled_write_after = 1s;
  TestServer server(limits);
  server.snapshots.publish(std::string(16 << 20, 'x'));  // more than the socket buffers hold
  RawClient stuck(server.endpoint());
  stuck.send("GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n");  // and never reads
  for (int i = 0; i < 500 && stuck.available() == 0; ++i) std::this_thread::sleep_for(2ms);
  REQUIRE(stuck.available() > 0);  // the response has started
  // Still writing, progress moments ago: a newcomer is refused rather than cutting it off.
  RawClient refused(server.endpoint());
  CHECK(refused.wait_closed(2s));
  CHECK(server.server().refused_connections() == 1);
  // Once it has made no progress for stalled_write_after, it is the one that goes.
  std::this_thread::sleep_for(1200ms);
  server.snapshots.publish(TestServer::kInitialText);
  RawClient later(server.endpoint());
  later.send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n");
  const auto r = later.read_response();
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(server.server().reclaimed_connections() == 1);
  CHECK(stuck.wait_closed(2s));
}

// Holds the process at its file descriptor limit, leaving exactly `free_fds` descriptors free.
class FdSqueeze {
 public:
  explicit FdSqueeze(int free_fds) {
    ::getrlimit(RLIMIT_NOFILE, &saved_);
    rlimit tight = saved_;
    tight.rlim_cur = std::min<rlim_t>(saved_.rlim_cur, 4096);
    ::setrlimit(RLIMIT_NOFILE, &tight);
    for (int fd; (fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0;) dummies_.push_back(fd);
    release(free_fds);
  }
  ~FdSqueeze() {
    release(static_cast<int>(dummies_.size()));
    ::setrlimit(RLIMIT_NOFILE, &saved_);
  }
  void release(int n) {
    for (; n > 0 && !dummies_.empty(); --n) {
      ::close(dummies_.back());
      dummies_.pop_back();
    }
  }

 private:
  rlimit saved_{};
  std::vector<int> dummies_;
};

// Not in sanitizer builds (the normal build runs it): UBSan's vptr check opens a pipe to see
// whether an object's memory is readable, so with no descriptor left every virtual call is
// reported as a false "invalid vptr" (compiler-rt's IsAccessibleMemoryRange).
TEST_CASE("http: running out of file descriptors does not end the accept loop" *
          doctest::skip(kSanitizerBuild)) {
  TestServer server;
  // A keep-alive connection from before, which must go on working.
  RawClient a(server.endpoint());
  a.send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n");
  REQUIRE(a.read_response());
  std::optional<RawClient> b;
  {
    FdSqueeze squeeze(1);
    b.emplace(server.endpoint());  // the last one: the server's accept() now fails with EMFILE
    b->send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n");
    CHECK(b->read_response(false, 300ms) == std::nullopt);
    squeeze.release(16);  // the accept retry can now succeed
    const auto r = b->read_response();
    REQUIRE(r);
    CHECK(r->status == 200);
    a.send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n");
    CHECK(a.read_response());
  }
  CHECK(fetch(server.endpoint(), "GET", "/metrics").status == 200);
}

TEST_CASE("http: stop() closes idle keep-alive connections and reports idle") {
  TestServer server;
  RawClient client(server.endpoint());
  client.send("GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n");
  REQUIRE(client.read_response());
  CHECK(server.server().open_connections() == 1);
  CHECK(server.stop_and_wait_idle(2s));
  CHECK(client.wait_closed(1s));
  CHECK(server.server().open_connections() == 0);
  // No longer accepting: a new connection is refused or closed without an answer.
  bool refused = false;
  try {
    RawClient late(server.endpoint());
    refused = late.wait_closed(1s);
  } catch (const std::runtime_error&) {
    refused = true;
  }
  CHECK(refused);
}

TEST_CASE("http: stop() lets a request in progress finish, with Connection: close") {
  TestServer server;
  RawClient client(server.endpoint());
  client.send("GET /metrics HTTP/1.1\r\nHost: t\r\n");
  // Wait until the server has the connection, then stop while the request is incomplete.
  for (int i = 0; i < 100 && server.server().open_connections() == 0; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  std::this_thread::sleep_for(50ms);  // let it read the first bytes
  server.server().stop();
  std::this_thread::sleep_for(50ms);
  client.send("\r\n");
  const auto r = client.read_response();
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->header("connection") == "close");
  CHECK(client.wait_closed());
  CHECK(server.stop_and_wait_idle(2s));
}

TEST_CASE("http: concurrent clients on a multi-threaded io_context") {
  TestServer server({}, true, /*threads=*/4);
  std::vector<std::thread> clients;
  std::atomic<int> ok{0};
  for (int t = 0; t < 8; ++t) {
    clients.emplace_back([&] {
      RawClient client(server.endpoint());
      for (int i = 0; i < 50; ++i) {
        client.send("GET /metrics HTTP/1.1\r\nHost: t\r\nAccept-Encoding: gzip\r\n\r\n");
        const auto r = client.read_response();
        if (r && r->status == 200) ++ok;
        if (i % 10 == 0) server.snapshots.publish("llmon_up " + std::to_string(i) + "\n");
      }
    });
  }
  for (auto& c : clients) c.join();
  CHECK(ok == 8 * 50);
  CHECK(server.stop_and_wait_idle(2s));
}

TEST_CASE("http: binding an address in use throws a clear std::system_error") {
  TestServer first;
  boost::asio::io_context ioc;
  HttpServer second(
      ioc, first.endpoint(), [] { return SnapshotPtr{}; }, [] { return true; });
  try {
    second.start();
    FAIL("start() should have thrown");
  } catch (const std::system_error& e) {
    CHECK(e.code() == std::errc::address_in_use);
    CHECK(std::string(e.what()).find("127.0.0.1:") != std::string::npos);
  }
}

}  // namespace
}  // namespace llmon::testing
