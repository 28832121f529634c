#pragma once
// Scheduler: the run-time side of the scenario's models, after Ollama's server/sched.go: which
// model is loaded with which context, load delays, reloads when a request wants another num_ctx,
// per-model parallel slots with a FIFO queue, keep-alive expiry, and load/unload counters.
// Not thread-safe: every call must come from the thread running its io_context (the fake runs
// one), and callbacks are posted to it.
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "responses.hpp"
#include "scenario.hpp"

namespace fake_ollama {

struct ModelRuntime;

// What a request got once it may run.
struct Grant {
  Nanos load_duration = 0;  // time this request spent waiting for a load; 0 when none
  std::int64_t context_length = 0;
};

// One request's claim on a model: queued, then holding a slot until released.
struct Waiter {
  std::shared_ptr<ModelRuntime> model;
  std::int64_t context_length = 0;
  std::optional<Nanos> keep_alive;
  std::chrono::steady_clock::time_point arrived;
  std::optional<std::chrono::steady_clock::time_point> loaded_at;
  bool holding = false;
  bool finished = false;
  std::function<void(Grant)> ready;
  std::function<void(int status, std::string error)> failed;
};
using Ticket = std::shared_ptr<Waiter>;

class Scheduler {
 public:
  explicit Scheduler(boost::asio::io_context& ioc) : ioc_(ioc) {}
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Starts over from `scenario`: its loaded models are loaded (without delay), all others not.
  // Requests already admitted finish on the old state, invisibly.
  void reset(std::shared_ptr<const Scenario> scenario);
  const Scenario& scenario() const { return *scenario_; }
  std::shared_ptr<const Scenario> scenario_ptr() const { return scenario_; }

  // Queues a request for `model` with `context_length`; `ready` runs once the model is loaded
  // with that context and a slot is free, `failed` if the queue is full or the load fails. Both
  // are posted, never called from inside acquire(). Every ticket must end in release().
  Ticket acquire(const ModelSpec& model, std::int64_t context_length,
                 std::optional<Nanos> keep_alive, std::function<void(Grant)> ready,
                 std::function<void(int, std::string)> failed);
  // Gives the slot back (or leaves the queue: the client went away). Idempotent.
  void release(const Ticket& ticket);

  // keep_alive 0 with nothing to do: unload now, or once the model's current requests end.
  void expire(const ModelSpec& model);
  // Test controls: load at once (counted as a load, or a reload if the context changes) / unload.
  void load_now(const ModelSpec& model, std::int64_t context_length,
                std::optional<Nanos> keep_alive);
  void unload_now(const ModelSpec& model);

  std::vector<RunningModel> running() const;  // loaded or loading, for /api/ps
  boost::json::object stats_json() const;
  void reset_stats() { stats_.clear(); }

 private:
  struct Counters {
    std::int64_t loads = 0, reloads = 0, unloads = 0, load_failures = 0, max_concurrent = 0;
  };

  std::shared_ptr<ModelRuntime> runtime(const ModelSpec& model) const;
  int parallel(const ModelRuntime& m) const;
  void pump(const std::shared_ptr<ModelRuntime>& m);
  void begin_load(const std::shared_ptr<ModelRuntime>& m, const Ticket& first);
  void finish_load(const std::shared_ptr<ModelRuntime>& m);
  void grant(const std::shared_ptr<ModelRuntime>& m, const Ticket& w);
  void go_idle(const std::shared_ptr<ModelRuntime>& m);
  void arm_expiry(const std::shared_ptr<ModelRuntime>& m);
  void unload(const std::shared_ptr<ModelRuntime>& m);
  void fail(const Ticket& w, int status, std::string error);
  std::size_t queued() const;

  boost::asio::io_context& ioc_;
  std::shared_ptr<const Scenario> scenario_ = std::make_shared<Scenario>();
  std::map<std::string, std::shared_ptr<ModelRuntime>> models_;  // by normalized name
  std::map<std::string, Counters> stats_;                        // by model name
};

}  // namespace fake_ollama
