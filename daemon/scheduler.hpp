#pragma once
// Scheduler: runs each collector on its own timer, off the network thread, and publishes the
// results and llmon_collector_* status to the snapshot store.
// Not thread-safe: every member function must be called on the io_context's thread; the
// collectors themselves run on the worker pool.
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "collectors/collector.hpp"
#include "exporters/snapshot_store.hpp"

namespace llmon {

class Scheduler {
 public:
  // The longest a failing collector waits between attempts (unless its interval is longer).
  static constexpr Duration kMaxBackoff = std::chrono::minutes(1);

  Scheduler(boost::asio::io_context& io, boost::asio::thread_pool& pool, SnapshotStore& store);
  ~Scheduler();

  // Replaces the running set: old collectors stop being scheduled (a run in flight finishes on
  // the pool and its result is discarded), their series and status disappear, and the new ones
  // start at once.
  void start(std::vector<std::shared_ptr<Collector>> collectors);
  // Stops every timer; results of runs still in flight are discarded.
  void stop();

  // Delay before the next attempt after `failures` consecutive failures (0 = success).
  static Duration next_delay(Duration interval, unsigned failures);

 private:
  struct Job;
  void run(const std::shared_ptr<Job>& job);
  void on_timeout(const std::shared_ptr<Job>& job, std::uint64_t run_id);
  void on_done(const std::shared_ptr<Job>& job, std::uint64_t run_id, std::exception_ptr error,
               CollectResult result, double seconds);
  void record_failure(Job& job, const std::string& error);
  void record_degraded(Job& job, const std::string& problem);
  void schedule(const std::shared_ptr<Job>& job, Duration delay);
  void publish(const Job& job, std::optional<MetricFamilies> families);
  // Renders happen on the pool, in order, so the network thread never waits for one.
  void apply(std::vector<SnapshotStore::Update> updates);
  MetricFamilies status_families() const;

  boost::asio::io_context& io_;
  boost::asio::thread_pool& pool_;
  SnapshotStore& store_;
  boost::asio::strand<boost::asio::thread_pool::executor_type> store_strand_;
  std::vector<std::shared_ptr<Job>> jobs_;
};

// Slot name under which the scheduler publishes llmon_collector_* series.
inline constexpr const char* kSchedulerSlot = "llmon.scheduler";

// One collector's outcome, as the llmon_collector_* series report it.
struct CollectorStatus {
  std::string name;
  std::optional<bool> success;  // unknown until the first run ends
  double duration_seconds = 0;
  std::optional<double> last_success;  // unix seconds
  double interval_seconds = 0;         // Collector::max_interval
};

// The llmon_collector_* families; the daemon's scheduler and `llmon collect` both use it.
MetricFamilies collector_status_families(const std::vector<CollectorStatus>& statuses);

}  // namespace llmon
