#include "collectors/bench/runner.hpp"

#include <boost/asio/post.hpp>

#include "collectors/bench/request.hpp"
#include "collectors/gpu/gpu_collector.hpp"
#include "common/clock.hpp"

namespace llmon::bench {

namespace {

using Clock = std::chrono::steady_clock;

struct GpuTotals {
  std::vector<std::optional<double>> busy;  // per GPU
  std::optional<double> energy;             // all GPUs
};

std::optional<GpuTotals> read_gpu(const std::shared_ptr<gpu::GpuMonitor>& gpu) {
  if (!gpu) return std::nullopt;
  GpuTotals t;
  for (const auto& c : gpu->counters()) {
    t.busy.push_back(c.busy_seconds);
    if (c.energy_joules) t.energy = t.energy.value_or(0) + *c.energy_joules;
  }
  if (t.busy.empty()) return std::nullopt;
  return t;
}

void correlate(const std::optional<GpuTotals>& before, const std::optional<GpuTotals>& after,
               RunResult& r) {
  if (!before || !after || r.wall_seconds <= 0 || before->busy.size() != after->busy.size()) {
    return;
  }
  for (std::size_t i = 0; i < before->busy.size(); ++i) {
    if (before->busy[i] && after->busy[i]) {
      const double ratio = (*after->busy[i] - *before->busy[i]) / r.wall_seconds;
      r.gpu_busy_ratio = std::clamp(std::max(r.gpu_busy_ratio.value_or(0), ratio), 0.0, 1.0);
    }
  }
  if (before->energy && after->energy) {
    r.energy_joules = std::max(0.0, *after->energy - *before->energy);
    if (r.measurement.eval_count && *r.measurement.eval_count > 0) {
      r.joules_per_token = *r.energy_joules / static_cast<double>(*r.measurement.eval_count);
    }
  }
}

}  // namespace

const char* outcome_name(Outcome outcome) {
  switch (outcome) {
    case Outcome::kOk:
      return "ok";
    case Outcome::kError:
      return "error";
    case Outcome::kTimeout:
      return "timeout";
    case Outcome::kMismatch:
      return "mismatch";
    case Outcome::kSkippedBusy:
      return "skipped_busy";
    case Outcome::kSkippedNotLoaded:
      return "skipped_not_loaded";
  }
  return "error";
}

void run_prompt(const RunEnv& env, const std::shared_ptr<HttpClient>& client, const Target& target,
                const PreparedPrompt& prepared, Duration timeout,
                const std::shared_ptr<gpu::GpuMonitor>& gpu, std::mt19937_64& rng,
                std::function<void(RunResult)> done) {
  const std::string body =
      build_request_body(prepared.prompt, target.model, target.num_ctx, make_nonce(rng));
  const auto start = Clock::now();
  auto measurer = std::make_shared<StreamMeasurer>(start);
  auto gpu_before = read_gpu(gpu);
  auto consumer = [measurer](std::string_view piece) {
    return measurer->feed(piece, Clock::now());
  };
  client->stream(
      {"POST", api_path(prepared.prompt), body}, timeout, consumer,
      [env, measurer, start, gpu, gpu_before, expect = prepared.expect,
       done = std::move(done)](Expected<HttpResponse> response) mutable {
        RunResult r;
        r.measurement = measurer->finish();
        r.wall_seconds = std::chrono::duration<double>(Clock::now() - start).count();
        r.finished_at = unix_now();
        correlate(gpu_before, read_gpu(gpu), r);
        if (!response) {
          const bool timed_out = response.error().message.find("timed out") != std::string::npos;
          r.outcome = timed_out ? Outcome::kTimeout : Outcome::kError;
          r.error = response.error().message;
        } else if (response->status != 200) {
          r.outcome = Outcome::kError;
          r.error = "HTTP " + std::to_string(response->status) + ": " +
                    r.measurement.response_text.substr(0, 200);
        } else if (r.measurement.error) {
          r.outcome = Outcome::kError;
          r.error = *r.measurement.error;
        } else {
          r.outcome = Outcome::kOk;
        }
        if (r.outcome != Outcome::kOk || !expect) return done(std::move(r));
        // std::regex backtracks: a pathological pattern can take seconds, so the check runs on
        // the worker pool, never on the network thread that serves scrapes.
        auto check = [r = std::move(r), expect, done = std::move(done), io = env.io]() mutable {
          bool matched = false;
          try {
            matched = std::regex_search(r.measurement.response_text, *expect);
          } catch (const std::regex_error& e) {
            r.error = std::string("the expect check failed: ") + e.what();
          }
          r.correct = matched;
          if (!matched) {
            r.outcome = Outcome::kMismatch;
            if (r.error.empty()) r.error = "the answer does not match expect";
          }
          boost::asio::post(
              io, [r = std::move(r), done = std::move(done)]() mutable { done(std::move(r)); });
        };
        if (env.pool) {
          boost::asio::post(*env.pool, std::move(check));
        } else {
          check();
        }
      });
}

std::vector<std::shared_ptr<HttpClient>> run_concurrent(
    boost::asio::io_context& io, const std::string& host, std::uint16_t port, std::size_t max_body,
    const Target& target, const PreparedPrompt& prompt, std::size_t n, Duration timeout,
    std::mt19937_64& rng, std::function<void(std::optional<double>)> done) {
  struct Shared {
    std::size_t pending;
    bool failed = false;
    std::int64_t tokens = 0;
    Clock::time_point start = Clock::now();
    std::vector<std::shared_ptr<HttpClient>> clients;
    std::function<void(std::optional<double>)> done;
  };
  auto shared = std::make_shared<Shared>();
  shared->pending = n;
  shared->done = std::move(done);
  std::vector<std::shared_ptr<HttpClient>> clients;
  // Concurrency measures throughput only: the answers are not checked.
  PreparedPrompt throughput_only = prompt;
  throughput_only.expect.reset();
  for (std::size_t i = 0; i < n; ++i) {
    auto client = HttpClient::create(io.get_executor(), host, port, max_body);
    shared->clients.push_back(client);
    clients.push_back(client);
    run_prompt(RunEnv{io.get_executor(), nullptr}, client, target, throughput_only, timeout,
               nullptr, rng, [shared](RunResult r) {
                 if (r.outcome != Outcome::kOk || !r.measurement.eval_count) shared->failed = true;
                 shared->tokens += r.measurement.eval_count.value_or(0);
                 if (--shared->pending > 0) return;
                 const double wall =
                     std::chrono::duration<double>(Clock::now() - shared->start).count();
                 std::optional<double> tps;
                 if (!shared->failed && wall > 0) tps = static_cast<double>(shared->tokens) / wall;
                 auto finish = std::move(shared->done);
                 shared->clients.clear();
                 finish(tps);
               });
  }
  return clients;
}

}  // namespace llmon::bench
