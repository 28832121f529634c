#include "daemon/scheduler.hpp"

#include <boost/asio/post.hpp>
#include <exception>

#include "common/clock.hpp"
#include "common/log.hpp"

namespace llmon {

namespace asio = boost::asio;

struct Scheduler::Job {
  Job(asio::io_context& io, std::shared_ptr<Collector> c)
      : collector(std::move(c)), name(collector->name()), timer(io), deadline(io) {}

  std::shared_ptr<Collector> collector;
  std::string name;
  asio::steady_timer timer;     // next run
  asio::steady_timer deadline;  // timeout of the run in flight
  bool active = true;           // false once replaced or stopped
  bool running = false;
  bool timed_out = false;
  std::uint64_t run_id = 0;
  unsigned failures = 0;
  std::optional<bool> healthy;  // unknown until the first run ends
  double last_duration = 0;
  std::optional<double> last_success;   // unix seconds
  std::optional<std::string> degraded;  // the problem a degraded source reported last
};

namespace {

std::string describe(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown exception";
  }
}

}  // namespace

Scheduler::Scheduler(asio::io_context& io, asio::thread_pool& pool, SnapshotStore& store)
    : io_(io), pool_(pool), store_(store), store_strand_(asio::make_strand(pool.get_executor())) {}

Scheduler::~Scheduler() { stop(); }

Duration Scheduler::next_delay(Duration interval, unsigned failures) {
  const Duration cap = std::max(interval, Duration(kMaxBackoff));
  Duration delay = interval;
  for (unsigned i = 0; i < failures && delay < cap; ++i) delay *= 2;
  return std::min(delay, cap);
}

void Scheduler::start(std::vector<std::shared_ptr<Collector>> collectors) {
  std::vector<SnapshotStore::Update> updates;
  for (auto& job : jobs_) {
    job->active = false;
    job->timer.cancel();
    job->deadline.cancel();
    // A replaced benchmark must not go on sending requests beside its successor.
    if (job->running) job->collector->cancel();
    updates.emplace_back(job->name, std::nullopt);
  }
  jobs_.clear();
  for (auto& c : collectors) jobs_.push_back(std::make_shared<Job>(io_, std::move(c)));
  updates.emplace_back(kSchedulerSlot, status_families());
  apply(std::move(updates));
  for (auto& job : jobs_) schedule(job, Duration::zero());
}

void Scheduler::stop() {
  for (auto& job : jobs_) {
    job->active = false;
    job->timer.cancel();
    job->deadline.cancel();
    if (job->running) job->collector->cancel();
  }
}

void Scheduler::schedule(const std::shared_ptr<Job>& job, Duration delay) {
  job->timer.expires_after(delay);
  job->timer.async_wait([this, job](const boost::system::error_code& ec) {
    if (!ec && job->active) run(job);
  });
}

void Scheduler::run(const std::shared_ptr<Job>& job) {
  if (job->running) return;  // never overlap a collector with itself
  job->running = true;
  job->timed_out = false;
  const std::uint64_t run_id = ++job->run_id;
  job->deadline.expires_after(job->collector->timeout());
  job->deadline.async_wait([this, job, run_id](const boost::system::error_code& ec) {
    if (!ec) on_timeout(job, run_id);
  });
  const auto start = std::chrono::steady_clock::now();
  // Whatever thread a run ends on, its result is handled on the io thread.
  auto finish = [this, job, run_id, start](std::exception_ptr error, CollectResult result) {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    asio::post(io_, [this, job, run_id, error, result = std::move(result), seconds]() mutable {
      on_done(job, run_id, error, std::move(result), seconds);
    });
  };
  if (job->collector->is_async()) {
    try {
      auto partial = [this, job, run_id](MetricFamilies families) {
        if (!job->active || job->run_id != run_id || job->timed_out || !job->running) return;
        std::vector<SnapshotStore::Update> updates;
        updates.emplace_back(job->name, std::move(families));
        apply(std::move(updates));
      };
      job->collector->async_collect(RunContext{io_, pool_, partial}, finish);
    } catch (...) {
      finish(std::current_exception(), {});
    }
    return;
  }
  asio::post(pool_, [job, finish] {
    try {
      finish(nullptr, job->collector->collect());
    } catch (...) {
      finish(std::current_exception(), {});
    }
  });
}

void Scheduler::on_timeout(const std::shared_ptr<Job>& job, std::uint64_t run_id) {
  if (!job->active || !job->running || job->run_id != run_id) return;
  job->timed_out = true;
  job->last_duration = to_seconds(job->collector->timeout());
  record_failure(*job, "timed out after " + format_duration(job->collector->timeout()));
  publish(*job, std::nullopt);
  job->collector->cancel();
}

void Scheduler::on_done(const std::shared_ptr<Job>& job, std::uint64_t run_id,
                        std::exception_ptr error, CollectResult result, double seconds) {
  if (job->run_id != run_id || !job->running) return;
  job->running = false;
  job->deadline.cancel();
  if (!job->active) return;
  if (job->timed_out) {
    // Already counted as a failure when the deadline passed; the late result is stale.
    schedule(job, next_delay(job->collector->interval(), job->failures));
    return;
  }
  job->last_duration = seconds;
  if (error) {
    record_failure(*job, describe(error));
    publish(*job, std::nullopt);
  } else {
    if (job->healthy == false) {
      logger("scheduler")
          ->info("collector {} recovered after {} failed run(s)", job->name, job->failures);
    }
    job->healthy = true;
    job->last_success = unix_now();
    if (result.degraded) {
      record_degraded(*job, *result.degraded);
    } else {
      if (job->degraded) {
        logger("scheduler")->info("{}: healthy again", job->name);
      }
      job->degraded.reset();
      job->failures = 0;
    }
    publish(*job, std::move(result.families));
  }
  schedule(job, next_delay(job->collector->interval(), job->failures));
}

void Scheduler::record_degraded(Job& job, const std::string& problem) {
  ++job.failures;
  const Duration retry = next_delay(job.collector->interval(), job.failures);
  if (!job.degraded) {
    logger("scheduler")
        ->warn("{}: {} (retrying with backoff, next in {})", job.name, problem,
               format_duration(retry));
  } else {
    logger("scheduler")->debug("{}: still {} ({} in a row)", job.name, problem, job.failures);
  }
  job.degraded = problem;
}

void Scheduler::record_failure(Job& job, const std::string& error) {
  ++job.failures;
  const Duration retry = next_delay(job.collector->interval(), job.failures);
  if (job.healthy != false) {
    logger("scheduler")
        ->warn("collector {} failed: {} (retrying with backoff, next in {})", job.name, error,
               format_duration(retry));
  } else {
    logger("scheduler")
        ->debug("collector {} still failing ({} in a row): {}", job.name, job.failures, error);
  }
  job.healthy = false;
}

void Scheduler::publish(const Job& job, std::optional<MetricFamilies> families) {
  std::vector<SnapshotStore::Update> updates;
  updates.emplace_back(job.name, std::move(families));
  updates.emplace_back(kSchedulerSlot, status_families());
  apply(std::move(updates));
}

void Scheduler::apply(std::vector<SnapshotStore::Update> updates) {
  asio::post(store_strand_,
             [this, updates = std::move(updates)]() mutable { store_.apply(std::move(updates)); });
}

MetricFamilies Scheduler::status_families() const {
  std::vector<CollectorStatus> statuses;
  for (const auto& job : jobs_) {
    statuses.push_back({job->name, job->healthy, job->last_duration, job->last_success,
                        to_seconds(job->collector->max_interval())});
  }
  return collector_status_families(statuses);
}

MetricFamilies collector_status_families(const std::vector<CollectorStatus>& statuses) {
  FamilySet set;
  for (const auto& s : statuses) {
    const Labels labels{{"collector", s.name}};
    if (s.success.has_value()) {
      set.gauge("llmon_collector_success",
                "1 when the collector's last run succeeded, 0 when it failed or timed out.", labels,
                *s.success ? 1.0 : 0.0);
      set.gauge("llmon_collector_duration_seconds", "Duration of the collector's last run.", labels,
                s.duration_seconds);
    }
    set.gauge("llmon_collector_last_success_timestamp_seconds",
              "Unix time of the collector's last successful run.", labels, s.last_success);
    if (s.interval_seconds > 0) {
      set.gauge("llmon_collector_interval_seconds",
                "Configured time between the collector's runs (with jitter, the longest).", labels,
                s.interval_seconds);
    }
  }
  return set.take();
}

}  // namespace llmon
