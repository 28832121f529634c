#pragma once
// One benchmark request, measured: streamed, timed on the client, checked against `expect`,
// with what the GPUs did over exactly its interval. Plus N identical concurrent requests.
// Not thread-safe: everything runs on the io_context's thread.
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <regex>
#include <string>

#include "collectors/bench/measure.hpp"
#include "collectors/bench/suite.hpp"
#include "collectors/bench/think.hpp"
#include "common/clock.hpp"
#include "common/duration.hpp"
#include "common/http_client.hpp"

namespace llmon::gpu {
class GpuMonitor;
}

namespace llmon::bench {

// kTruncated: num_predict ended the generation before any answer (a thinking model spent the
// budget thinking): not the model's mistake, so not a mismatch.
enum class Outcome {
  kOk,
  kError,
  kTimeout,
  kMismatch,
  kTruncated,
  kSkippedBusy,
  kSkippedNotLoaded
};
// "ok", "error", "timeout", "mismatch", "truncated", "skipped_busy", "skipped_not_loaded"
const char* outcome_name(Outcome outcome);

struct RunResult {
  Outcome outcome = Outcome::kError;
  std::string error;  // why, for error / timeout / mismatch / skips
  Measurement measurement;
  std::optional<bool> correct;  // when the prompt has `expect` and an answer arrived
  double wall_seconds = 0;
  double finished_at = 0;                // unix seconds
  std::optional<double> gpu_busy_ratio;  // average over the run, busiest GPU
  std::optional<double> energy_joules;   // all GPUs (GpuRunStats says which energy)
  std::string energy_domain;             // "gfx" | "package" | "mixed"; empty without energy
  std::optional<double> joules_per_token;
};

struct Target {
  std::string model;
  // Exactly the context length /api/ps reports for the loaded model, or nothing: any other
  // num_ctx would make Ollama reload the model.
  std::optional<std::int64_t> num_ctx;
  ModelTraits traits;  // from /api/show: decides the `think` value
};

struct PreparedPrompt {
  BenchPrompt prompt;
  std::optional<std::regex> expect;  // compiled once
};

// Where a run's callbacks go: the io executor its client lives on, and the pool that checks
// answers against `expect` (null: check inline, only for tests and throughput-only runs).
struct RunEnv {
  boost::asio::any_io_executor io;
  boost::asio::thread_pool* pool = nullptr;
};

void run_prompt(const RunEnv& env, const std::shared_ptr<HttpClient>& client, const Target& target,
                const PreparedPrompt& prompt, Duration timeout,
                const std::shared_ptr<gpu::GpuMonitor>& gpu, std::mt19937_64& rng,
                std::function<void(RunResult)> done);

// Fires `n` identical requests at once, each on its own connection, and reports their
// aggregate generation speed: the sum of eval_count over the time from the first request to the
// last answer. Absent when any of them failed. Returns the clients, so a caller can cancel them.
std::vector<std::shared_ptr<HttpClient>> run_concurrent(
    boost::asio::io_context& io, const std::string& host, std::uint16_t port, std::size_t max_body,
    const Target& target, const PreparedPrompt& prompt, std::size_t n, Duration timeout,
    std::mt19937_64& rng, std::function<void(std::optional<double>)> done);

}  // namespace llmon::bench
