#pragma once
// Collector: one source of metrics, run by the Scheduler on its own interval.
// A collector instance is only ever run once at a time (the scheduler never overlaps runs of
// the same collector), so implementations need no locking for their own state.
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <exception>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>

#include "common/duration.hpp"
#include "common/metrics.hpp"

namespace llmon {

// What a run produced. `degraded` is for sources that were reached but are unhealthy (an
// Ollama instance that is down): the families (such as llmon_ollama_up 0) are still published
// and llmon_collector_success stays 1, but the scheduler backs off and logs the state change.
struct CollectResult {
  CollectResult(MetricFamilies f = {}) : families(std::move(f)) {}  // NOLINT: implicit on purpose
  MetricFamilies families;
  std::optional<std::string> degraded;
};

// What an asynchronous collector may use: the network thread's io_context for its sockets and
// timers, the worker pool for anything blocking.
struct RunContext {
  boost::asio::io_context& io;
  boost::asio::thread_pool& pool;
  // Publishes families before the run ends (a benchmark cycle can take minutes); call it on the
  // io thread. Ignored once the run is replaced or timed out. May be empty (llmon collect).
  std::function<void(MetricFamilies)> publish_partial;
};

class Collector {
 public:
  using Done = std::function<void(std::exception_ptr, CollectResult)>;

  virtual ~Collector() = default;

  // Value of the `collector` label on llmon_collector_* series; unique per daemon.
  virtual std::string name() const = 0;
  // Time between the end of one run and the start of the next (failures back off from it).
  virtual Duration interval() const = 0;
  // The longest interval() can be (with jitter): exported as llmon_collector_interval_seconds
  // so that staleness alerts scale with the configuration.
  virtual Duration max_interval() const { return interval(); }
  // A run still going after this long counts as failed; its series are withdrawn.
  virtual Duration timeout() const { return interval(); }

  // Blocking collectors: read the source (blocking I/O is fine: this runs on the worker pool,
  // never on the network thread) and return the complete set of families. Throw on failure;
  // the scheduler turns the exception into llmon_collector_success 0 and one log line per
  // state change.
  virtual CollectResult collect() = 0;

  // Asynchronous collectors (network sources) return true here and implement async_collect
  // instead: start the run on ctx.io and call `done` exactly once, from the io thread.
  virtual bool is_async() const { return false; }
  virtual void async_collect(RunContext ctx, Done done) {
    (void)ctx;
    done(std::make_exception_ptr(std::logic_error("async_collect not implemented")), {});
  }
  // Called on the io thread when a run passed its timeout: abandon it (close connections) so
  // that `done` comes soon. Its result is discarded either way.
  virtual void cancel() {}
};

}  // namespace llmon
