#include <doctest/doctest.h>

#include <atomic>
#include <boost/asio.hpp>
#include <future>
#include <optional>
#include <thread>

#include "common/http_client.hpp"

using namespace llmon;
using namespace std::chrono_literals;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// A blocking, scripted HTTP peer: each connection gets a thread that reads request heads and
// answers them with `respond(socket, request, request_number)`; respond returns false to close.
class ScriptedServer {
 public:
  using Respond = std::function<bool(tcp::socket&, const std::string&, int)>;
  explicit ScriptedServer(Respond respond) : respond_(std::move(respond)) {
    acceptor_.open(tcp::v4());
    acceptor_.bind({asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    thread_ = std::thread([this] { accept_loop(); });
  }
  ~ScriptedServer() {
    stopping_ = true;
    // A blocking accept() is not woken by close() from another thread: connect to wake it.
    boost::system::error_code ec;
    tcp::socket wake(io_);
    wake.connect(acceptor_.local_endpoint(), ec);
    thread_.join();
    acceptor_.close(ec);
    for (auto& t : connections_) t.join();
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  int accepted() const { return accepted_; }

 private:
  void accept_loop() {
    while (!stopping_) {
      boost::system::error_code ec;
      tcp::socket socket(io_);
      acceptor_.accept(socket, ec);
      if (ec || stopping_) return;
      ++accepted_;
      connections_.emplace_back([this, s = std::move(socket)]() mutable { serve(s); });
    }
  }
  void serve(tcp::socket& socket) {
    std::string buffer;
    for (;;) {
      boost::system::error_code ec;
      const auto n = asio::read_until(socket, asio::dynamic_buffer(buffer), "\r\n\r\n", ec);
      if (ec) return;
      std::string head = buffer.substr(0, n);
      buffer.erase(0, n);
      // Bodies in these tests are small and announced with Content-Length.
      if (auto cl = head.find("Content-Length: "); cl != std::string::npos) {
        const std::size_t len = std::stoul(head.substr(cl + 16));
        if (buffer.size() < len)
          asio::read(socket, asio::dynamic_buffer(buffer),
                     asio::transfer_exactly(len - buffer.size()), ec);
        head += buffer.substr(0, len);
        buffer.erase(0, len);
      }
      if (!respond_(socket, head, requests_++)) return;
    }
  }

  Respond respond_;
  asio::io_context io_;
  tcp::acceptor acceptor_{io_};
  std::thread thread_;
  std::vector<std::thread> connections_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> accepted_{0};
  std::atomic<int> requests_{0};
};

void send(tcp::socket& s, const std::string& bytes) {
  boost::system::error_code ec;
  asio::write(s, asio::buffer(bytes), ec);
}

std::string ok(const std::string& body, const std::string& extra = "") {
  return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n" + extra + "\r\n" + body;
}

// Runs one request on a fresh io_context and returns its outcome.
struct Client {
  asio::io_context io;
  std::shared_ptr<HttpClient> client;
  Client(std::uint16_t port, std::size_t max_body = 1 << 20)
      : client(HttpClient::create(io.get_executor(), "127.0.0.1", port, max_body)) {}
  Expected<HttpResponse> get(const std::string& target, Duration timeout = 2s) {
    std::optional<Expected<HttpResponse>> out;
    client->request({"GET", target, ""}, timeout, [&](Expected<HttpResponse> r) { out = r; });
    io.restart();
    io.run();
    REQUIRE(out.has_value());
    return *out;
  }
};

}  // namespace

TEST_CASE("http client: a response is read whole, and the connection is reused") {
  ScriptedServer server([](tcp::socket& s, const std::string& req, int) {
    send(s, ok(req.find("GET /api/ps") == 0 ? R"({"models":[]})" : "{}"));
    return true;
  });
  Client c(server.port());
  auto r = c.get("/api/ps");
  REQUIRE(r.ok());
  CHECK(r->status == 200);
  CHECK(r->body == R"({"models":[]})");
  CHECK(r->content_type == "application/json");
  CHECK(c.get("/api/version").ok());
  CHECK(server.accepted() == 1);
}

TEST_CASE("http client: a kept-alive connection the server closed is retried once") {
  ScriptedServer server([](tcp::socket& s, const std::string&, int) {
    send(s, ok("{}"));
    return false;  // closes after each answer although the response said keep-alive
  });
  Client c(server.port());
  CHECK(c.get("/a").ok());
  std::this_thread::sleep_for(50ms);
  CHECK(c.get("/b").ok());
  CHECK(server.accepted() == 2);
}

TEST_CASE("http client: the body limit holds") {
  ScriptedServer server([](tcp::socket& s, const std::string&, int) {
    send(s, ok(std::string(3 << 20, 'x')));
    return false;
  });
  Client c(server.port(), 1 << 20);
  auto r = c.get("/api/tags");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message == "GET http://127.0.0.1:" + std::to_string(server.port()) +
                                 "/api/tags: response body larger than 1048576 bytes");
}

TEST_CASE("http client: a hanging server is cut at the deadline") {
  ScriptedServer server([](tcp::socket&, const std::string&, int) {
    std::this_thread::sleep_for(600ms);
    return false;
  });
  Client c(server.port());
  const auto start = std::chrono::steady_clock::now();
  auto r = c.get("/api/ps", 150ms);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("timed out after 150ms") != std::string::npos);
  CHECK(std::chrono::steady_clock::now() - start < 500ms);
}

TEST_CASE("http client: a truncated body and a refused connection are clear errors") {
  ScriptedServer server([](tcp::socket& s, const std::string&, int) {
    send(s, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"models\":");
    return false;
  });
  Client c(server.port());
  auto r = c.get("/api/ps");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("closed before the response was complete") != std::string::npos);

  std::uint16_t closed_port;
  {
    asio::io_context io;
    tcp::acceptor a(io, {asio::ip::make_address("127.0.0.1"), 0});
    closed_port = a.local_endpoint().port();
  }
  Client refused(closed_port);
  auto e = refused.get("/");
  REQUIRE_FALSE(e.ok());
  CHECK(e.error().message.find("cannot connect") != std::string::npos);
}

TEST_CASE("http client: redirects are returned, not followed, and garbage is an error") {
  ScriptedServer server([](tcp::socket& s, const std::string& req, int) {
    if (req.find("GET /garbage") == 0) {
      send(s, "SSH-2.0-OpenSSH_9.2\r\n\r\n");
    } else {
      send(s, "HTTP/1.1 302 Found\r\nLocation: http://elsewhere/\r\nContent-Length: 0\r\n\r\n");
    }
    return false;
  });
  Client c(server.port());
  auto r = c.get("/api/ps");
  REQUIRE(r.ok());
  CHECK(r->status == 302);
  Client g(server.port());
  CHECK_FALSE(g.get("/garbage").ok());
}

TEST_CASE("http client: a streamed body reaches the consumer piece by piece, and can stop it") {
  ScriptedServer server([](tcp::socket& s, const std::string& req, int) {
    send(s,
         "HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\n"
         "Transfer-Encoding: chunked\r\n\r\n");
    for (int i = 0; i < 5; ++i) {
      const std::string line = "{\"response\":\"t" + std::to_string(i) + "\",\"done\":false}\n";
      char size[16];
      std::snprintf(size, sizeof size, "%zx\r\n", line.size());
      send(s, size + line + "\r\n");
      std::this_thread::sleep_for(20ms);
    }
    send(s, "0\r\n\r\n");
    CHECK(req.find("POST /api/generate") == 0);
    CHECK(req.find("Content-Type: application/json") != std::string::npos);
    return true;
  });
  asio::io_context io;
  auto client = HttpClient::create(io.get_executor(), "127.0.0.1", server.port(), 1 << 20);
  std::string received;
  int pieces = 0;
  std::optional<Expected<HttpResponse>> done;
  client->stream(
      {"POST", "/api/generate", R"({"model":"m"})"}, 2s,
      [&](std::string_view piece) {
        received += piece;
        ++pieces;
        return true;
      },
      [&](Expected<HttpResponse> r) { done = r; });
  io.run();
  REQUIRE(done.has_value());
  REQUIRE(done->ok());
  CHECK((*done)->content_type == "application/x-ndjson");
  CHECK((*done)->body.empty());
  CHECK(pieces >= 2);
  CHECK(received.find("\"t4\"") != std::string::npos);

  // A consumer that has enough stops the stream (the connection is closed).
  std::string first;
  done.reset();
  client->stream(
      {"POST", "/api/generate", "{}"}, 2s,
      [&](std::string_view piece) {
        first += piece;
        return false;
      },
      [&](Expected<HttpResponse> r) { done = r; });
  io.restart();
  io.run();
  REQUIRE(done.has_value());
  CHECK(done->ok());
  CHECK(first.find("\"t4\"") == std::string::npos);
}

TEST_CASE("http client: cancel() ends the request in flight") {
  ScriptedServer server([](tcp::socket&, const std::string&, int) {
    std::this_thread::sleep_for(500ms);
    return false;
  });
  asio::io_context io;
  auto client = HttpClient::create(io.get_executor(), "127.0.0.1", server.port(), 1 << 20);
  std::optional<Expected<HttpResponse>> done;
  client->request({"GET", "/api/ps", ""}, 5s, [&](Expected<HttpResponse> r) { done = r; });
  asio::steady_timer timer(io, 50ms);
  timer.async_wait([&](auto) { client->cancel(); });
  const auto start = std::chrono::steady_clock::now();
  io.run();
  REQUIRE(done.has_value());
  REQUIRE_FALSE(done->ok());
  CHECK(done->error().message.find("cancelled") != std::string::npos);
  CHECK(std::chrono::steady_clock::now() - start < 400ms);
}

TEST_CASE("http client: no piece reaches a consumer after cancel(), and reasons reach the user") {
  ScriptedServer server([](tcp::socket& s, const std::string& req, int) {
    if (req.find("GET /garbage") == 0) {
      send(s, "SSH-2.0-OpenSSH_9.2\r\n\r\n");
      return false;
    }
    // Every chunk in one write: the client parses them from one read.
    std::string reply = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 5; ++i) reply += "3\r\nabc\r\n";
    send(s, reply + "0\r\n\r\n");
    return true;
  });
  const std::string base = "http://127.0.0.1:" + std::to_string(server.port());
  asio::io_context io;
  auto client = HttpClient::create(io.get_executor(), "127.0.0.1", server.port(), 1 << 20);
  int pieces = 0;
  std::optional<Expected<HttpResponse>> done;
  client->stream(
      {"POST", "/api/generate", "{}"}, 2s,
      [&](std::string_view) {
        ++pieces;
        client->cancel();
        return true;
      },
      [&](Expected<HttpResponse> r) { done = r; });
  io.run();
  REQUIRE(done.has_value());
  REQUIRE_FALSE(done->ok());
  CHECK(done->error().message == "POST " + base + "/api/generate: cancelled");
  CHECK(pieces == 1);

  Client g(server.port());
  auto r = g.get("/garbage");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message == "GET " + base + "/garbage: no response: bad version");
}

TEST_CASE("http client: a body that ends with the connection counts once against the limit") {
  ScriptedServer server([](tcp::socket& s, const std::string&, int) {
    // A large head grows the client's buffer, and with it each read, past one body piece.
    send(s, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Padding: " +
                std::string(40000, 'p') + "\r\n\r\n" + std::string(900 * 1024, 'x'));
    return false;
  });
  Client c(server.port(), 1 << 20);
  auto r = c.get("/api/tags");
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
  CHECK(r->body.size() == 900 * 1024);
}
