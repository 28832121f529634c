#include "collectors/bench/runner.hpp"

#include <boost/asio/post.hpp>

#include "collectors/bench/gpu_run.hpp"
#include "collectors/bench/request.hpp"
#include "collectors/gpu/gpu_collector.hpp"
#include "common/clock.hpp"

namespace llmon::bench {

namespace {

using Clock = std::chrono::steady_clock;

// Adds what the GPUs did during the run, then hands the result on.
void with_gpu_stats(const RunEnv& env, const std::shared_ptr<gpu::GpuMonitor>& gpu,
                    gpu::GpuMark mark, Clock::time_point start, Clock::time_point end, RunResult r,
                    std::function<void(RunResult)> next) {
  gather_gpu_run(
      env.io, gpu, std::move(mark), start, end,
      [r = std::move(r), next = std::move(next)](GpuRunStats stats) mutable {
        r.gpu_busy_ratio = stats.busy_ratio;
        r.energy_joules = stats.energy_joules;
        r.energy_domain = stats.energy_domain;
        if (r.energy_joules && r.measurement.eval_count && *r.measurement.eval_count > 0) {
          r.joules_per_token = *r.energy_joules / static_cast<double>(*r.measurement.eval_count);
        }
        next(std::move(r));
      });
}

// Cut by num_predict with no answer text: thinking text never counts as an answer.
bool cut_before_answer(const Measurement& m) {
  return m.done_reason == "length" &&
         m.response_text.find_first_not_of(" \t\r\n") == std::string::npos;
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
    case Outcome::kTruncated:
      return "truncated";
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
      build_request_body(prepared.prompt, target.model, target.num_ctx, make_nonce(rng),
                         think_value(prepared.prompt.think, target.traits));
  const auto start = Clock::now();
  auto measurer = std::make_shared<StreamMeasurer>(start);
  auto mark = gpu ? gpu->mark() : gpu::GpuMark{};
  auto consumer = [measurer](std::string_view piece) {
    return measurer->feed(piece, Clock::now());
  };
  client->stream(
      {"POST", api_path(prepared.prompt), body}, timeout, consumer,
      [env, measurer, start, gpu, mark = std::move(mark), expect = prepared.expect,
       done = std::move(done)](Expected<HttpResponse> response) mutable {
        const auto end = Clock::now();
        RunResult r;
        r.measurement = measurer->finish();
        r.wall_seconds = std::chrono::duration<double>(end - start).count();
        r.finished_at = unix_now();
        if (!response) {
          const bool timed_out = response.error().message.find("timed out") != std::string::npos;
          r.outcome = timed_out ? Outcome::kTimeout : Outcome::kError;
          r.error = response.error().message;
        } else if (response->status != 200) {
          r.outcome = Outcome::kError;
          // Ollama answers an error before any output as {"error": "..."}: the measurer has
          // its text (the answer text is empty then).
          r.error = "HTTP " + std::to_string(response->status) + ": " +
                    r.measurement.error.value_or("empty response body");
        } else if (r.measurement.error) {
          r.outcome = Outcome::kError;
          r.error = *r.measurement.error;
        } else if (cut_before_answer(r.measurement)) {
          r.outcome = Outcome::kTruncated;
          r.error = "num_predict ended the generation before any answer (" +
                    std::to_string(r.measurement.thinking_bytes) + " bytes of thinking)";
        } else {
          r.outcome = Outcome::kOk;
        }
        auto finish = [env, gpu, mark = std::move(mark), start, end,
                       done = std::move(done)](RunResult r) mutable {
          with_gpu_stats(env, gpu, std::move(mark), start, end, std::move(r), std::move(done));
        };
        if (r.outcome != Outcome::kOk || !expect) return finish(std::move(r));
        // std::regex backtracks: a pathological pattern can take seconds, so the check runs on
        // the worker pool, never on the network thread that serves scrapes.
        auto check = [r = std::move(r), expect, done = std::move(finish), io = env.io]() mutable {
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
