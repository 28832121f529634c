#include <doctest/doctest.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <thread>

#include "daemon/scheduler.hpp"

using namespace llmon;
using namespace std::chrono_literals;

namespace {

// A collector whose behaviour the test changes while it runs.
class ScriptedCollector : public Collector {
 public:
  ScriptedCollector(std::string name, Duration interval, Duration timeout)
      : name_(std::move(name)), interval_(interval), timeout_(timeout) {}
  std::string name() const override { return name_; }
  Duration interval() const override { return interval_; }
  Duration timeout() const override { return timeout_; }
  CollectResult collect() override {
    const int now = ++concurrent;
    max_concurrent = std::max(max_concurrent.load(), now);
    ++runs;
    std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms.load()));
    --concurrent;
    if (fail) throw std::runtime_error("source unreadable");
    FamilySet s;
    s.gauge("llmon_test_value", "test", {{"source", name_}}, runs.load());
    return s.take();
  }
  std::atomic<int> runs{0}, concurrent{0}, max_concurrent{0}, sleep_ms{0};
  std::atomic<bool> fail{false};

 private:
  std::string name_;
  Duration interval_, timeout_;
};

struct Harness {
  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{io.get_executor()};
  boost::asio::thread_pool pool{3};
  SnapshotStore store;
  Scheduler scheduler{io, pool, store};
  std::thread thread;

  void start(std::vector<std::shared_ptr<Collector>> cs) {
    boost::asio::post(io, [this, cs] { scheduler.start(cs); });
    thread = std::thread([this] { io.run(); });
  }
  ~Harness() {
    boost::asio::post(io, [this] { scheduler.stop(); });
    work.reset();
    io.stop();
    if (thread.joinable()) thread.join();
    pool.join();
  }
  std::string text() const {
    auto s = store.current();
    return s ? s->text : "";
  }
  bool wait_for(const std::function<bool(const std::string&)>& pred, Duration limit = 5s) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      if (pred(text())) return true;
      std::this_thread::sleep_for(5ms);
    }
    return false;
  }
  static bool has(const std::string& text, const std::string& what) {
    return text.find(what) != std::string::npos;
  }
};

}  // namespace

TEST_CASE("scheduler: backoff doubles up to the cap and resets on success") {
  CHECK(Scheduler::next_delay(5s, 0) == 5s);
  CHECK(Scheduler::next_delay(5s, 1) == 10s);
  CHECK(Scheduler::next_delay(5s, 2) == 20s);
  CHECK(Scheduler::next_delay(5s, 10) == 60s);
  CHECK(Scheduler::next_delay(5s, 1000) == 60s);
  CHECK(Scheduler::next_delay(30min, 3) == 30min);  // never shorter than the interval
}

TEST_CASE("scheduler: a successful run publishes series and success 1") {
  Harness h;
  auto c = std::make_shared<ScriptedCollector>("alpha", 20ms, 1s);
  h.start({c});
  CHECK(h.wait_for([](const std::string& t) {
    return Harness::has(t, "llmon_collector_success{collector=\"alpha\"} 1") &&
           Harness::has(t, "llmon_test_value{source=\"alpha\"}") &&
           Harness::has(t, "llmon_collector_last_success_timestamp_seconds{collector=\"alpha\"}") &&
           Harness::has(t, "llmon_collector_interval_seconds{collector=\"alpha\"} 0.02\n");
  }));
  CHECK(h.wait_for([&](const std::string&) { return c->runs >= 3; }));
}

TEST_CASE("scheduler: a failing collector withdraws its series, others carry on, recovery") {
  Harness h;
  auto bad = std::make_shared<ScriptedCollector>("bad", 20ms, 1s);
  auto good = std::make_shared<ScriptedCollector>("good", 20ms, 1s);
  h.start({bad, good});
  REQUIRE(h.wait_for(
      [](const std::string& t) { return Harness::has(t, "llmon_test_value{source=\"bad\"}"); }));
  bad->fail = true;
  CHECK(h.wait_for([](const std::string& t) {
    return Harness::has(t, "llmon_collector_success{collector=\"bad\"} 0") &&
           !Harness::has(t, "llmon_test_value{source=\"bad\"}") &&
           Harness::has(t, "llmon_collector_success{collector=\"good\"} 1");
  }));
  // The last success timestamp survives a failure: it says when data was last good.
  CHECK(
      Harness::has(h.text(), "llmon_collector_last_success_timestamp_seconds{collector=\"bad\"}"));
  bad->fail = false;
  CHECK(h.wait_for([](const std::string& t) {
    return Harness::has(t, "llmon_collector_success{collector=\"bad\"} 1") &&
           Harness::has(t, "llmon_test_value{source=\"bad\"}");
  }));
}

TEST_CASE("scheduler: a run past its timeout fails at the deadline and never overlaps") {
  Harness h;
  auto slow = std::make_shared<ScriptedCollector>("slow", 10ms, 100ms);
  slow->sleep_ms = 1500;
  const auto start = std::chrono::steady_clock::now();
  h.start({slow});
  CHECK(h.wait_for([](const std::string& t) {
    return Harness::has(t, "llmon_collector_success{collector=\"slow\"} 0");
  }));
  // Reported at the deadline, not when the stuck read finally returned.
  CHECK(std::chrono::steady_clock::now() - start < 1000ms);
  std::this_thread::sleep_for(2s);
  CHECK(slow->max_concurrent == 1);
  CHECK_FALSE(Harness::has(h.text(), "llmon_test_value{source=\"slow\"}"));
}

TEST_CASE("scheduler: replacing the collector set drops the old series") {
  Harness h;
  auto old_c = std::make_shared<ScriptedCollector>("old", 20ms, 1s);
  h.start({old_c});
  REQUIRE(h.wait_for(
      [](const std::string& t) { return Harness::has(t, "llmon_test_value{source=\"old\"}"); }));
  auto new_c = std::make_shared<ScriptedCollector>("new", 20ms, 1s);
  boost::asio::post(h.io, [&] { h.scheduler.start({new_c}); });
  CHECK(h.wait_for([](const std::string& t) {
    return Harness::has(t, "llmon_test_value{source=\"new\"}") &&
           !Harness::has(t, "source=\"old\"") && !Harness::has(t, "collector=\"old\"");
  }));
}

namespace {

// An asynchronous collector: answers on the io thread after `delay`, or never (until
// cancelled) when `hang` is set.
class AsyncCollector : public Collector {
 public:
  explicit AsyncCollector(Duration timeout) : timeout_(timeout) {}
  std::string name() const override { return "async"; }
  Duration interval() const override { return 20ms; }
  Duration timeout() const override { return timeout_; }
  bool is_async() const override { return true; }
  CollectResult collect() override { throw std::logic_error("async only"); }
  void async_collect(RunContext ctx, Done done) override {
    ++runs;
    timer_ = std::make_shared<boost::asio::steady_timer>(ctx.io, hang ? 1h : 5ms);
    done_ = std::move(done);
    timer_->async_wait([this](const boost::system::error_code&) {
      FamilySet s;
      s.gauge("llmon_async_up", "test", {}, degraded ? 0.0 : 1.0);
      CollectResult r(s.take());
      if (degraded) r.degraded = "instance down";
      auto d = std::move(done_);
      d(nullptr, std::move(r));
    });
  }
  void cancel() override {
    ++cancels;
    timer_->cancel();
  }
  std::atomic<int> runs{0}, cancels{0};
  std::atomic<bool> degraded{false}, hang{false};

 private:
  Duration timeout_;
  std::shared_ptr<boost::asio::steady_timer> timer_;
  Done done_;
};

}  // namespace

TEST_CASE("scheduler: a degraded source still publishes its families, success 1, backs off") {
  Harness h;
  auto c = std::make_shared<AsyncCollector>(1s);
  c->degraded = true;
  h.start({c});
  CHECK(h.wait_for([](const std::string& t) {
    return Harness::has(t, "llmon_async_up 0") &&
           Harness::has(t, "llmon_collector_success{collector=\"async\"} 1");
  }));
  std::this_thread::sleep_for(600ms);
  // Backing off from 20ms (40, 80, 160, 320...) allows only a handful of runs in 600ms.
  CHECK(c->runs < 8);
  c->degraded = false;
  CHECK(h.wait_for([](const std::string& t) { return Harness::has(t, "llmon_async_up 1"); }));
}

TEST_CASE("scheduler: an asynchronous run past its timeout is cancelled") {
  Harness h;
  auto c = std::make_shared<AsyncCollector>(100ms);
  c->hang = true;
  h.start({c});
  CHECK(h.wait_for([](const std::string& t) {
    return Harness::has(t, "llmon_collector_success{collector=\"async\"} 0");
  }));
  CHECK(h.wait_for([&](const std::string&) { return c->cancels >= 1; }));
  CHECK_FALSE(Harness::has(h.text(), "llmon_async_up"));
}

TEST_CASE("scheduler: partial results of a long asynchronous run are published at once") {
  class Partial : public AsyncCollector {
   public:
    Partial() : AsyncCollector(400ms) { hang = true; }
    void async_collect(RunContext ctx, Done done) override {
      if (runs == 0) {  // only the first run: later runs must not republish during the check
        FamilySet s;
        s.gauge("llmon_partial", "test", {}, 1.0);
        ctx.publish_partial(s.take());
      }
      AsyncCollector::async_collect(ctx, std::move(done));
    }
  };
  Harness h;
  auto c = std::make_shared<Partial>();
  h.start({c});
  const auto start = std::chrono::steady_clock::now();
  CHECK(h.wait_for([](const std::string& t) { return Harness::has(t, "llmon_partial 1"); }));
  CHECK(std::chrono::steady_clock::now() - start < 300ms);
  // When the run times out, what it published so far is withdrawn like any failed run's.
  CHECK(h.wait_for([](const std::string& t) {
    return Harness::has(t, "llmon_collector_success{collector=\"async\"} 0") &&
           !Harness::has(t, "llmon_partial");
  }));
}
