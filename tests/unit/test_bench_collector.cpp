// The benchmark collector's cycle against instances with nothing to do (down, idle), driven
// directly on an io_context, without a scheduler or a server.
#include <doctest/doctest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <filesystem>

#include "collectors/bench/bench_collector.hpp"
#include "collectors/ollama/registry.hpp"
#include "metrics_test_support.hpp"

using namespace llmon;
using llmon::test::has;
using llmon::test::render;

namespace {

// An instance that answers but has nothing loaded and nothing installed.
ollama::InstanceUpdate up_with_no_models() {
  ollama::InstanceUpdate update;
  update.up = true;
  update.available = std::vector<ollama::AvailableModel>{};
  return update;
}

struct Cycle {
  bool called = false;
  std::exception_ptr error;
  CollectResult result;
};

// Runs one cycle to its end, as `llmon collect` does.
Cycle run_cycle(Collector& collector, boost::asio::io_context& io, boost::asio::thread_pool& pool) {
  Cycle out;
  io.restart();
  auto work = boost::asio::make_work_guard(io);
  collector.async_collect(RunContext{io, pool, nullptr},
                          [&](std::exception_ptr e, CollectResult r) {
                            out.called = true;
                            out.error = e;
                            out.result = std::move(r);
                            work.reset();
                          });
  io.run_for(std::chrono::seconds(10));
  return out;
}

struct Fixture {
  Fixture() {
    dir = std::filesystem::temp_directory_path() /
          ("llmon-bench-collector-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    config.bench.enabled = true;
    config.bench.state_dir = dir;
    config.ollama = {OllamaConfig{}};
    config.ollama[0].name = "a";
    config.ollama[0].url = "127.0.0.1:9";  // never contacted: the registry answers for it
    services.ollama = std::make_shared<ollama::InstanceRegistry>();
    services.ollama->declare("a", *parse_ollama_address(config.ollama[0].url));
  }
  ~Fixture() { std::filesystem::remove_all(dir); }

  std::unique_ptr<Collector> make() {
    auto all = bench::make_bench_collectors(config, services);
    REQUIRE(all.size() == 1);
    return std::move(all.front());
  }

  std::filesystem::path dir;
  SourcesConfig config;
  Services services;
  boost::asio::io_context io;
  boost::asio::thread_pool pool{1};
};

}  // namespace

// Regression: a cycle with nothing to do ended at once and reset the member the cycle was
// passed by reference from, then dereferenced it (a segfault at the second cycle in the daemon,
// at the first here because the instance was polled before it).
TEST_CASE("bench collector: cycles against a down instance end cleanly, again and again") {
  Fixture f;
  f.services.ollama->update("a", {});
  auto collector = f.make();
  for (int i = 0; i < 3; ++i) {
    const Cycle c = run_cycle(*collector, f.io, f.pool);
    REQUIRE(c.called);
    CHECK_FALSE(c.error);
    CHECK_FALSE(c.result.degraded);  // the Ollama collector reports the outage, not this one
    CHECK(has(render(c.result.families), "llmon_bench_state_write_errors_total{ollama=\"a\"} 0"));
  }
}

TEST_CASE("bench collector: an idle box writes no baseline file") {
  Fixture f;
  f.services.ollama->update("a", up_with_no_models());
  std::filesystem::remove_all(f.dir);  // would make every save fail
  auto collector = f.make();
  const Cycle c = run_cycle(*collector, f.io, f.pool);
  REQUIRE(c.called);
  CHECK_FALSE(c.result.degraded);  // nothing new to save: nothing failed
  CHECK_FALSE(std::filesystem::exists(f.dir));
}

TEST_CASE("bench collector: cycles against an idle instance (nothing loaded) end cleanly") {
  Fixture f;
  f.services.ollama->update("a", up_with_no_models());
  auto collector = f.make();
  for (int i = 0; i < 3; ++i) {
    const Cycle c = run_cycle(*collector, f.io, f.pool);
    REQUIRE(c.called);
    CHECK_FALSE(c.error);
    CHECK_FALSE(c.result.degraded);
  }
}

TEST_CASE("bench collector: a cycle cancelled while waiting for the first poll reports once") {
  Fixture f;  // never polled: the cycle waits for the Ollama collector
  auto collector = f.make();
  Cycle out;
  f.io.restart();
  auto work = boost::asio::make_work_guard(f.io);
  int calls = 0;
  collector->async_collect(RunContext{f.io, f.pool, nullptr},
                           [&](std::exception_ptr e, CollectResult) {
                             ++calls;
                             out.error = e;
                             work.reset();
                           });
  f.io.run_for(std::chrono::milliseconds(300));
  collector->cancel();
  f.io.restart();
  f.io.run_for(std::chrono::seconds(5));
  CHECK(calls == 1);
  CHECK(out.error);  // cancelled: not a result
  // The collector can run again afterwards.
  f.services.ollama->update("a", {});
  const Cycle again = run_cycle(*collector, f.io, f.pool);
  CHECK(again.called);
  CHECK_FALSE(again.error);
}
