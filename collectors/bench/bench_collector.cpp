#include "collectors/bench/bench_collector.hpp"

#include <unistd.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <random>

#include "collectors/bench/bench_state.hpp"
#include "collectors/bench/plan.hpp"
#include "collectors/bench/prepare.hpp"
#include "collectors/gpu/gpu_collector.hpp"
#include "collectors/ollama/registry.hpp"
#include "common/http_client.hpp"
#include "common/label_value.hpp"
#include "common/log.hpp"

namespace llmon::bench {

namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

// How long a cycle waits for the Ollama collector's first poll of the instance.
constexpr auto kWaitForFirstPoll = std::chrono::seconds(30);
// The GPU busy check must not see llmon's own previous request: wait this many sample
// intervals after a request before looking.
constexpr int kSettleSamples = 2;

class BenchCollector final : public Collector {
 public:
  BenchCollector(BenchConfig bench, OllamaConfig instance, OllamaAddress address, Services services,
                 std::shared_ptr<BaselineStore> baselines, std::vector<PreparedPrompt> prompts,
                 Duration sample_interval)
      : bench_(std::move(bench)),
        instance_(std::move(instance)),
        address_(std::move(address)),
        services_(std::move(services)),
        baselines_(std::move(baselines)),
        prompts_(std::move(prompts)),
        settle_(sample_interval * kSettleSamples),
        state_(instance_.name, baselines_, bench_.models.size()),
        rng_(std::random_device{}()) {}

  std::string name() const override { return "bench/" + instance_.name; }
  // Each call draws a new jitter, so instances (and restarts) never run in lockstep.
  Duration interval() const override {
    std::uniform_int_distribution<Duration::rep> jitter(0, bench_.jitter.count());
    return bench_.interval + Duration(jitter(jitter_rng_));
  }
  Duration max_interval() const override { return bench_.interval + bench_.jitter; }
  // Every request has its own deadline; this only bounds a cycle that somehow never ends.
  Duration timeout() const override {
    const std::size_t models = bench_.models.empty() ? 16 : bench_.models.size();
    const auto per_model = bench_.timeout * static_cast<Duration::rep>(prompts_.size() + 1) +
                           settle_ * static_cast<Duration::rep>(prompts_.size());
    return per_model * static_cast<Duration::rep>(models) + kWaitForFirstPoll;
  }
  bool is_async() const override { return true; }
  CollectResult collect() override { throw std::logic_error("bench collector is asynchronous"); }

  void async_collect(RunContext ctx, Done done) override {
    if (!client_) {
      client_ = HttpClient::create(ctx.io.get_executor(), address_.host, address_.port,
                                   static_cast<std::size_t>(instance_.max_body_bytes));
    }
    // The cycle is owned by the callbacks that continue it, never by a member: a member reset
    // at the end of a cycle would destroy the object its own callers still refer to.
    auto cycle = std::make_shared<Cycle>(ctx, std::move(done), Clock::now() + kWaitForFirstPoll);
    cycle_ = cycle;
    timer_ = std::make_shared<asio::steady_timer>(ctx.io);
    wait_for_poll(cycle);
  }

  // Stops the cycle: pending requests (the concurrent ones too) are closed, and `done` is called
  // once the callbacks unwind, so the scheduler can run this collector again.
  void cancel() override {
    if (auto cycle = cycle_.lock()) cycle->cancelled = true;
    if (timer_) timer_->cancel();
    if (client_) client_->cancel();
    for (auto& c : concurrent_clients_) c->cancel();
  }

 private:
  struct Cycle {
    Cycle(RunContext c, Done d, Clock::time_point deadline)
        : ctx(std::move(c)), done(std::move(d)), poll_deadline(deadline) {}
    RunContext ctx;
    Done done;
    std::vector<PlannedModel> plan;
    std::size_t model = 0;
    std::size_t prompt = 0;
    Clock::time_point poll_deadline;
    bool cancelled = false;
    // The model whose capabilities this cycle has settled (it can generate), and its traits.
    std::size_t checked_model = static_cast<std::size_t>(-1);
    ModelTraits traits;
  };

  void wait_for_poll(const std::shared_ptr<Cycle>& c) {
    auto s = services_.ollama->get(instance_.name);
    if (s && s->polled) {
      if (!s->up) return finish(c);  // the Ollama collector reports the outage
      c->plan = plan_models(bench_.models, s->loaded, bench_.only_loaded);
      return step(c);
    }
    if (c->cancelled) return abandon(c);
    if (Clock::now() >= c->poll_deadline) return finish(c);
    after(c, std::chrono::milliseconds(250), [this, c] { wait_for_poll(c); });
  }

  template <typename F>
  void after(const std::shared_ptr<Cycle>& c, Duration delay, F f) {
    timer_->expires_after(delay);
    timer_->async_wait([this, c, f](const boost::system::error_code&) {
      if (c->cancelled) return abandon(c);
      f();
    });
  }

  void step(const std::shared_ptr<Cycle>& c) {
    if (c->cancelled) return abandon(c);
    if (c->model >= c->plan.size()) return finish(c);
    const PlannedModel& m = c->plan[c->model];
    if (c->prompt >= prompts_.size()) return concurrent(c);
    const PreparedPrompt& p = prompts_[c->prompt];
    if (c->prompt == 0 && !m.skip_not_loaded && c->checked_model != c->model) {
      auto known = traits_.find(m.model);
      if (known == traits_.end()) return check_capabilities(c, m.model);
      if (!known->second.can_generate) {  // an embedding model: nothing to benchmark
        ++c->model;
        return step(c);
      }
      c->checked_model = c->model;
      c->traits = known->second;
    }
    if (m.skip_not_loaded) {
      RunResult r;
      r.outcome = Outcome::kSkippedNotLoaded;
      r.finished_at = unix_now();
      state_.record(m.model, p.prompt.name, r);
      return next(c);
    }
    const auto since_last = Clock::now() - last_request_end_;
    if (services_.gpu && since_last < settle_) {
      return after(c, std::chrono::duration_cast<Duration>(settle_ - since_last),
                   [this, c] { step(c); });
    }
    if (busy()) {
      RunResult r;
      r.outcome = Outcome::kSkippedBusy;
      r.finished_at = unix_now();
      state_.record(m.model, p.prompt.name, r);
      return next(c);
    }
    run_prompt(RunEnv{c->ctx.io.get_executor(), &c->ctx.pool}, client_,
               Target{m.model, m.num_ctx, c->traits}, p, bench_.timeout, services_.gpu, rng_,
               [this, c](RunResult r) {
                 last_request_end_ = Clock::now();
                 if (c->cancelled) return abandon(c);  // cut by llmon itself: not a result
                 const PlannedModel& pm = c->plan[c->model];
                 const std::string& prompt = prompts_[c->prompt].prompt.name;
                 log_change(pm.model, prompt, r);
                 log_impossible(pm.model, prompt, r);
                 if (c->prompt == 0) first_ok_ = r.outcome == Outcome::kOk;
                 state_.record(pm.model, prompt, r);
                 if (c->ctx.publish_partial) c->ctx.publish_partial(state_.families());
                 next(c);
               });
  }

  // /api/show tells whether a model can generate at all (embedding models cannot) and how it
  // thinks; it never loads the model. Unknown (an old server, an error) counts as "can
  // generate, does not think".
  void check_capabilities(const std::shared_ptr<Cycle>& c, const std::string& model) {
    const std::string body = boost::json::serialize(boost::json::object{{"model", model}});
    client_->request({"POST", "/api/show", body}, instance_.timeout,
                     [this, c, model](Expected<HttpResponse> r) {
                       // Only a real answer is remembered: after an error, this cycle goes
                       // ahead with the model and the next one asks again.
                       ModelTraits traits;
                       if (r && r->status == 200) {
                         if (auto show = ollama::parse_show(r->body)) traits = model_traits(*show);
                         traits_[model] = traits;
                       }
                       if (traits.can_generate) {
                         c->checked_model = c->model;
                         c->traits = traits;
                       } else {
                         ++c->model;
                       }
                       step(c);
                     });
  }

  // One line when a model/prompt pair changes outcome, not one per run.
  void log_change(const std::string& model, const std::string& prompt, const RunResult& r) {
    auto& last = last_outcome_[{model, prompt}];
    if (last == r.outcome) return;
    if (r.outcome == Outcome::kOk) {
      logger("bench")->info("{} {} {}: ok", instance_.name, label_value(model), prompt);
    } else {
      logger("bench")->warn("{} {} {}: {} ({})", instance_.name, label_value(model), prompt,
                            outcome_name(r.outcome), r.error);
    }
    last = r.outcome;
  }

  // One line when Ollama starts (or stops) reporting impossible values for a model/prompt pair;
  // the values themselves are absent from the exposition (measure.hpp kMaxPlausible*).
  void log_impossible(const std::string& model, const std::string& prompt, const RunResult& r) {
    if (!r.measurement.done) return;  // no final object: nothing was claimed
    const bool now = !r.measurement.impossible.empty();
    bool& was = impossible_[{model, prompt}];
    if (now == was) return;
    was = now;
    if (now) {
      logger("bench")->warn("{} {} {}: Ollama reported impossible values, not exported: {}",
                            instance_.name, label_value(model), prompt, r.measurement.impossible);
    } else {
      logger("bench")->info("{} {} {}: Ollama's values are plausible again", instance_.name,
                            label_value(model), prompt);
    }
  }

  bool busy() const {
    if (!services_.gpu || bench_.skip_if_gpu_busy_above >= 1.0) return false;
    const auto ratio = services_.gpu->latest_busy_ratio();
    return ratio && *ratio > bench_.skip_if_gpu_busy_above;
  }

  void next(const std::shared_ptr<Cycle>& c) {
    ++c->prompt;
    step(c);
  }

  // After a model's prompts: N identical requests at once, when asked for and the model works.
  void concurrent(const std::shared_ptr<Cycle>& c) {
    const PlannedModel m = c->plan[c->model];
    const bool first_ok = first_ok_;
    first_ok_ = false;  // the next model starts unknown
    ++c->model;
    c->prompt = 0;
    if (bench_.concurrency <= 1 || m.skip_not_loaded || !first_ok || busy()) return step(c);
    concurrent_clients_ = run_concurrent(
        c->ctx.io, address_.host, address_.port, static_cast<std::size_t>(instance_.max_body_bytes),
        Target{m.model, m.num_ctx, c->traits}, prompts_.front(),
        static_cast<std::size_t>(bench_.concurrency), bench_.timeout, rng_,
        [this, c, model = m.model](std::optional<double> tps) {
          last_request_end_ = Clock::now();
          concurrent_clients_.clear();
          if (!c->cancelled) state_.record_concurrent(model, bench_.concurrency, tps);
          step(c);
        });
  }

  // A cancelled cycle still reports (once), so the scheduler's bookkeeping ends and nothing
  // keeps the collector alive.
  void abandon(const std::shared_ptr<Cycle>& c) {
    if (!c->done) return;
    auto done = std::move(c->done);
    c->done = nullptr;
    done(std::make_exception_ptr(std::runtime_error("benchmark cycle cancelled")), {});
  }

  // New baselines are written on the pool (file I/O), then the cycle reports. A failed save
  // keeps the results (they are true; only their history is not persisted): it is counted and
  // the run is reported degraded, so the scheduler logs it once and when it recovers.
  void finish(const std::shared_ptr<Cycle>& c) {
    if (!baselines_->dirty()) return report(c, std::nullopt);
    asio::post(c->ctx.pool, [this, c] {
      auto saved = baselines_->save();
      std::optional<std::string> problem;
      if (!saved) problem = "cannot save the benchmark baselines: " + saved.error().message;
      asio::post(c->ctx.io, [this, c, problem = std::move(problem)] { report(c, problem); });
    });
  }

  // What the cycle remembers per model (log states, /api/show answers) follows the models
  // BenchState keeps, so a server cycling through names cannot grow it either.
  void forget_models() {
    const auto gone = [this](const auto& entry) { return !state_.has_model(entry.first.first); };
    std::erase_if(last_outcome_, gone);
    std::erase_if(impossible_, gone);
    // Models never recorded (embedding models) are in traits_ too: bounded, not pruned.
    if (traits_.size() > 4 * kMaxBenchModels + bench_.models.size()) traits_.clear();
  }

  void report(const std::shared_ptr<Cycle>& c, const std::optional<std::string>& save_problem) {
    if (!c->done) return;
    forget_models();
    if (save_problem) state_.count_state_write_error();
    CollectResult result(state_.families());
    result.degraded = save_problem;
    auto done = std::move(c->done);
    c->done = nullptr;
    done(nullptr, std::move(result));
  }

  BenchConfig bench_;
  OllamaConfig instance_;
  OllamaAddress address_;
  Services services_;
  std::shared_ptr<BaselineStore> baselines_;
  std::vector<PreparedPrompt> prompts_;
  Duration settle_;
  BenchState state_;
  std::mt19937_64 rng_;
  mutable std::mt19937_64 jitter_rng_{std::random_device{}()};
  std::shared_ptr<HttpClient> client_;
  std::weak_ptr<Cycle> cycle_;  // for cancel() only: see async_collect
  std::shared_ptr<asio::steady_timer> timer_;
  Clock::time_point last_request_end_{};
  bool first_ok_ = false;
  std::vector<std::shared_ptr<HttpClient>> concurrent_clients_;
  std::map<std::string, ModelTraits> traits_;  // by model, from /api/show
  std::map<std::pair<std::string, std::string>, Outcome> last_outcome_;
  std::map<std::pair<std::string, std::string>, bool> impossible_;
};

// Why baselines cannot be saved in `dir`, checked once at start (saves report it again).
std::optional<std::string> state_dir_problem(const std::filesystem::path& dir) {
  std::error_code ec;
  const auto status = std::filesystem::status(dir, ec);
  if (!std::filesystem::exists(status)) return "does not exist";
  if (!std::filesystem::is_directory(status)) return "is not a directory";
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    return std::string("is not writable: ") + std::strerror(errno);
  }
  return std::nullopt;
}

}  // namespace

std::vector<std::unique_ptr<Collector>> make_bench_collectors(const SourcesConfig& config,
                                                              Services& services) {
  std::vector<std::unique_ptr<Collector>> out;
  if (!config.bench.enabled) return out;
  auto baselines =
      std::make_shared<BaselineStore>(config.bench.state_dir / "bench_baseline.json",
                                      static_cast<std::size_t>(config.bench.baseline_runs));
  if (auto warning = baselines->load()) {
    logger("bench")->warn("ignoring the benchmark baselines: {}", *warning);
  }
  if (auto problem = state_dir_problem(config.bench.state_dir)) {
    logger("bench")->warn(
        "bench.state_dir {} {}: benchmark baselines will not be saved, so regression ratios start "
        "over at every restart; create it, writable by llmon (the systemd unit does, with "
        "StateDirectory=llmon)",
        config.bench.state_dir.string(), *problem);
  }
  const auto prompts = prepare_prompts(config.bench);
  for (const OllamaConfig& o : config.ollama) {
    const auto& wanted = config.bench.instances;
    if (!wanted.empty() && std::find(wanted.begin(), wanted.end(), o.name) == wanted.end()) {
      continue;
    }
    auto address = parse_ollama_address(o.url);
    if (!address) continue;
    out.push_back(std::make_unique<BenchCollector>(config.bench, o, *address, services, baselines,
                                                   prompts, config.gpu.sample_interval));
  }
  return out;
}

}  // namespace llmon::bench
