// A client holding hundreds of connections (idle keep-alive or slowloris) must not lock a
// scraper out: the connection policy of ConnectionTable over real sockets. The figures are
// printed (MESSAGE) so that a run documents them; the assertions check the policy with margins
// for a loaded 2-core machine: a lockout shows up as failed scrapes, not as slightly slow ones.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <stdexcept>
#include <thread>
#include <vector>

#include "http_test_support.hpp"

namespace llmon::testing {
namespace {

using Clock = std::chrono::steady_clock;

// Raises the soft descriptor limit for the test process: it holds both ends of every connection.
bool ensure_fds(rlim_t wanted) {
  rlimit limit{};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  if (limit.rlim_cur >= wanted) return true;
  if (limit.rlim_max < wanted) return false;
  limit.rlim_cur = wanted;
  return ::setrlimit(RLIMIT_NOFILE, &limit) == 0;
}

// An attacker that keeps `count` connections open, from the given source addresses in turn,
// reconnecting (after `reconnect_delay`) whenever the server closes one. kKeepAlive sends one
// valid request per connection and then holds it idle; kSlowloris sends a request head one
// header line at a time, every 500 ms, and never finishes it.
class Flood {
 public:
  enum class Mode { kKeepAlive, kSlowloris };

  Flood(boost::asio::ip::tcp::endpoint server, int count, Mode mode,
        std::vector<std::string> sources = {"127.0.0.1"})
      : server_(server), mode_(mode), sources_(std::move(sources)), conns_(count) {
    for (std::size_t i = 0; i < conns_.size(); ++i) open(i, Clock::now());
    thread_ = std::thread([this] { run(); });
  }
  ~Flood() {
    stop_ = true;
    thread_.join();
    for (auto& c : conns_) {
      if (c.fd >= 0) ::close(c.fd);
    }
  }
  // Connections the server has answered (keep-alive), or open (slowloris).
  int established() const { return established_.load(); }
  int reconnects() const { return reconnects_.load(); }

 private:
  struct Conn {
    int fd = -1;
    bool answered = false;
    Clock::time_point reopen_at{};
    Clock::time_point next_trickle{};
  };

  void open(std::size_t i, Clock::time_point now) {
    Conn& c = conns_[i];
    c = Conn{};
    c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c.fd < 0) return;
    sockaddr_in local{};
    local.sin_family = AF_INET;
    ::inet_pton(AF_INET, sources_[i % sources_.size()].c_str(), &local.sin_addr);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(server_.port());
    addr.sin_addr.s_addr = htonl(server_.address().to_v4().to_uint());
    if (::bind(c.fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0 ||
        ::connect(c.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      drop(i, now);
      return;
    }
    const char* first = mode_ == Mode::kKeepAlive ? "GET /metrics HTTP/1.1\r\nHost: flood\r\n\r\n"
                                                  : "GET /metrics HTTP/1.1\r\nHost: flood\r\n";
    ::send(c.fd, first, std::strlen(first), MSG_NOSIGNAL);
    if (mode_ == Mode::kSlowloris) ++established_;
    c.next_trickle = now + 500ms;
  }

  void drop(std::size_t i, Clock::time_point now) {
    Conn& c = conns_[i];
    if (c.fd >= 0) ::close(c.fd);
    if (c.answered || (mode_ == Mode::kSlowloris && c.fd >= 0)) --established_;
    c = Conn{};
    c.reopen_at = now + reconnect_delay_;
    ++reconnects_;
  }

  void run() {
    std::vector<pollfd> fds;
    std::vector<std::size_t> index;
    char buf[16384];
    while (!stop_) {
      fds.clear();
      index.clear();
      const auto now = Clock::now();
      for (std::size_t i = 0; i < conns_.size(); ++i) {
        Conn& c = conns_[i];
        if (c.fd < 0) {
          if (now >= c.reopen_at) open(i, now);
          continue;
        }
        if (mode_ == Mode::kSlowloris && now >= c.next_trickle) {
          ::send(c.fd, "X-Trickle: x\r\n", 14, MSG_NOSIGNAL);
          c.next_trickle = now + 500ms;
        }
        fds.push_back({c.fd, POLLIN, 0});
        index.push_back(i);
      }
      if (::poll(fds.data(), fds.size(), 20) <= 0) continue;
      for (std::size_t k = 0; k < fds.size(); ++k) {
        if (fds[k].revents == 0) continue;
        const auto n = ::recv(fds[k].fd, buf, sizeof buf, MSG_DONTWAIT);
        Conn& c = conns_[index[k]];
        if (n <= 0) {
          drop(index[k], Clock::now());
        } else if (!c.answered && mode_ == Mode::kKeepAlive) {
          c.answered = true;  // the response; the connection now idles in keep-alive
          ++established_;
        }
      }
    }
  }

  const boost::asio::ip::tcp::endpoint server_;
  const Mode mode_;
  const std::vector<std::string> sources_;
  const std::chrono::milliseconds reconnect_delay_{100};
  std::vector<Conn> conns_;
  std::atomic<bool> stop_{false};
  std::atomic<int> established_{0};
  std::atomic<int> reconnects_{0};
  std::thread thread_;
};

struct ScrapeRun {
  int attempts = 0;
  int ok = 0;
  std::vector<double> ms;  // latency of the successful ones

  double success_rate() const { return attempts == 0 ? 0 : double(ok) / attempts; }
  double percentile(double p) const {
    if (ms.empty()) return 1e9;
    std::vector<double> v = ms;
    std::sort(v.begin(), v.end());
    const auto i = std::min(v.size() - 1, static_cast<std::size_t>(p * double(v.size())));
    return v[i];
  }
  std::string summary() const {
    return std::to_string(ok) + "/" + std::to_string(attempts) + " ok, p50 " +
           std::to_string(percentile(0.5)) + " ms, p99 " + std::to_string(percentile(0.99)) + " ms";
  }
};

// A scraper that opens a fresh connection per scrape (curl, a blackbox probe, or Prometheus
// after the server closed its keep-alive connection): connect, request, whole response.
ScrapeRun scrape_fresh(const boost::asio::ip::tcp::endpoint& server, int count,
                       const std::string& source = "127.0.0.1") {
  ScrapeRun run;
  for (int i = 0; i < count; ++i) {
    ++run.attempts;
    const auto start = Clock::now();
    try {
      RawClient client(server, source);
      client.send("GET /metrics HTTP/1.1\r\nHost: scraper\r\nConnection: close\r\n\r\n");
      const auto r = client.read_response(false, 2s);
      if (r && r->status == 200 && r->body == TestServer::kInitialText) {
        ++run.ok;
        run.ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
      }
    } catch (const std::runtime_error&) {
      // a refused connect counts as a failed scrape
    }
    std::this_thread::sleep_for(5ms);
  }
  return run;
}

bool wait_for(const std::function<bool()>& condition, std::chrono::milliseconds limit) {
  const auto deadline = Clock::now() + limit;
  while (!condition()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

// The acceptance bound: 50 ms on an idle machine, scaled by how oversubscribed its CPUs are
// (the flood itself runs on them too), and never under four times what the same scraper
// measured without the flood a moment before. A lockout shows up as failed scrapes or waits of
// seconds (for a slot to free), far beyond this. In a sanitizer build (TSan: 5 to 15 times
// slower) only that symptom is looked for: the cap.
double latency_bound(const ScrapeRun& baseline) {
  if (kSanitizerBuild) return 1000.0;
  double load = 0;
  ::getloadavg(&load, 1);
  const double oversubscribed =
      std::max(1.0, load / std::max(1u, std::thread::hardware_concurrency()));
  return std::min(1000.0, std::max(50.0 * oversubscribed, 4 * baseline.percentile(0.99)));
}

HttpLimits one_client_may_fill_the_server() {
  HttpLimits limits;  // the defaults: 512 connections
  limits.max_connections_per_client = limits.max_connections;
  return limits;
}

// What the issue asks of a fresh-connection scraper under a flood: 95 % success, p99 in bound.
void check_scraper_got_through(const char* what, const ScrapeRun& baseline, const ScrapeRun& run,
                               const Flood& flood, TestServer& server) {
  MESSAGE(what << ": baseline " << baseline.summary() << "; under flood " << run.summary()
               << "; flood reconnects " << flood.reconnects() << ", server reclaimed "
               << server.server().reclaimed_connections() << ", refused "
               << server.server().refused_connections() << "; latency bound "
               << latency_bound(baseline) << " ms");
  CHECK(run.success_rate() >= 0.95);
  CHECK(run.percentile(0.99) < latency_bound(baseline));
}

TEST_CASE("flood: 600 idle keep-alive connections do not lock out a fresh-connection scraper") {
  REQUIRE_MESSAGE(ensure_fds(4096), "needs 4096 file descriptors (ulimit -Hn)");
  TestServer server(one_client_may_fill_the_server());
  const ScrapeRun baseline = scrape_fresh(server.endpoint(), 100);
  Flood flood(server.endpoint(), 600, Flood::Mode::kKeepAlive);
  CHECK(wait_for([&] { return server.server().open_connections() >= 512; }, 20s));
  const ScrapeRun run = scrape_fresh(server.endpoint(), 200);
  check_scraper_got_through("idle flood, same address", baseline, run, flood, server);
  CHECK(server.server().open_connections() <= 512 + 128);  // the hard bound held
}

TEST_CASE("flood: 600 slowloris connections do not lock out a fresh-connection scraper") {
  REQUIRE_MESSAGE(ensure_fds(4096), "needs 4096 file descriptors (ulimit -Hn)");
  TestServer server(one_client_may_fill_the_server());
  const ScrapeRun baseline = scrape_fresh(server.endpoint(), 100);
  Flood flood(server.endpoint(), 600, Flood::Mode::kSlowloris);
  CHECK(wait_for([&] { return server.server().open_connections() >= 512; }, 20s));
  std::this_thread::sleep_for(1100ms);  // past reclaim_after: the unfinished heads are now old
  const ScrapeRun run = scrape_fresh(server.endpoint(), 200);
  check_scraper_got_through("slowloris, same address", baseline, run, flood, server);
}

TEST_CASE("flood: from other addresses, Prometheus' keep-alive connection is never touched") {
  REQUIRE_MESSAGE(ensure_fds(4096), "needs 4096 file descriptors (ulimit -Hn)");
  TestServer server;  // default caps: 512 in total, 64 per client
  RawClient prometheus(server.endpoint());
  int prometheus_ok = 0;
  auto scrape_kept_alive = [&] {
    prometheus.send("GET /metrics HTTP/1.1\r\nHost: prometheus\r\n\r\n");
    const auto r = prometheus.read_response(false, 2s);
    if (r && r->status == 200) ++prometheus_ok;
  };
  scrape_kept_alive();
  const ScrapeRun baseline = scrape_fresh(server.endpoint(), 100);
  std::vector<std::string> sources;
  for (int i = 2; i <= 11; ++i) sources.push_back("127.0.0." + std::to_string(i));
  Flood flood(server.endpoint(), 700, Flood::Mode::kKeepAlive, sources);  // 70 per address
  CHECK(wait_for([&] { return server.server().open_connections() >= 512; }, 20s));
  ScrapeRun run;
  for (int round = 0; round < 20; ++round) {
    scrape_kept_alive();  // every ~100 ms, always on the same connection
    const ScrapeRun part = scrape_fresh(server.endpoint(), 10);
    run.attempts += part.attempts;
    run.ok += part.ok;
    run.ms.insert(run.ms.end(), part.ms.begin(), part.ms.end());
  }
  MESSAGE("idle flood from 10 other addresses: baseline "
          << baseline.summary() << "; under flood " << run.summary() << "; keep-alive scrapes ok "
          << prometheus_ok << "/21, server reclaimed " << server.server().reclaimed_connections()
          << ", refused " << server.server().refused_connections() << "; latency bound "
          << latency_bound(baseline) << " ms");
  CHECK(prometheus_ok == 21);
  CHECK(run.success_rate() >= 0.95);
  CHECK(run.percentile(0.99) < latency_bound(baseline));
}

TEST_CASE("flood: a response being read slowly is not cut off to make room") {
  HttpLimits limits;
  limits.max_connections = 4;
  limits.max_connections_per_client = 4;
  TestServer server(limits);
  server.snapshots.publish(std::string(8 << 20, 'x'));  // larger than the socket buffers
  RawClient slow(server.endpoint());
  slow.send("GET /metrics HTTP/1.1\r\nHost: slow\r\n\r\n");
  std::this_thread::sleep_for(100ms);  // the server is now blocked writing to it
  std::atomic<bool> done{false};
  std::thread flood([&] {  // keeps the 8 latest of its connections open
    std::deque<RawClient> held;
    while (!done) {
      try {
        held.emplace_back(server.endpoint());
        held.back().send("GET /healthz HTTP/1.1\r\nHost: f\r\n\r\n");
        held.back().read_response(false, 200ms);
      } catch (const std::runtime_error&) {
      }
      if (held.size() > 8) held.pop_front();
    }
  });
  // Read 64 KiB every 10 ms (~6 MB/s): slow, but always making progress.
  std::string body;
  const auto deadline = Clock::now() + 20s;
  while (body.size() < (8u << 20) && Clock::now() < deadline) {
    for (int i = 0; i < 8; ++i) body += slow.read_chunk(100ms);
    std::this_thread::sleep_for(10ms);
  }
  done = true;
  flood.join();
  CHECK(body.find("HTTP/1.1 200 OK") == 0);
  CHECK(body.size() > (8u << 20));
  CHECK(server.server().reclaimed_connections() > 0);  // the flood did take others' places
}

}  // namespace
}  // namespace llmon::testing
