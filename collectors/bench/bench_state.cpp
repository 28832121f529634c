#include "collectors/bench/bench_state.hpp"

#include <algorithm>

namespace llmon::bench {

namespace {

std::optional<double> seconds(const std::optional<std::int64_t>& ns) {
  if (!ns) return std::nullopt;
  return static_cast<double>(*ns) / 1e9;
}

std::optional<double> as_double(const std::optional<std::int64_t>& v) {
  if (!v) return std::nullopt;
  return static_cast<double>(*v);
}

}  // namespace

BenchState::BenchState(std::string instance, std::shared_ptr<BaselineStore> baselines,
                       std::size_t max_models)
    : instance_(std::move(instance)),
      baselines_(std::move(baselines)),
      max_models_(std::max(max_models, kMaxBenchModels)) {}

void BenchState::touch(const std::string& model) {
  last_recorded_[model] = ++records_;
  if (last_recorded_.size() <= max_models_) return;
  auto oldest = std::min_element(last_recorded_.begin(), last_recorded_.end(),
                                 [](const auto& a, const auto& b) { return a.second < b.second; });
  const std::string gone = oldest->first;
  last_recorded_.erase(oldest);
  std::erase_if(series_, [&](const auto& entry) { return entry.first.model == gone; });
  std::erase_if(concurrent_, [&](const auto& entry) { return entry.first.first == gone; });
  forgotten_models_ += 1;
}

void BenchState::record(const std::string& model, const std::string& prompt,
                        const RunResult& result) {
  touch(model);
  Series& s = series_[Key{model, prompt}];
  s.runs[outcome_name(result.outcome)] += 1;
  if (result.outcome == Outcome::kSkippedBusy || result.outcome == Outcome::kSkippedNotLoaded) {
    return;
  }
  s.last = result;
  if (result.outcome != Outcome::kOk) return;
  const Measurement& m = result.measurement;
  if (m.ttft_seconds) s.ttft.observe(*m.ttft_seconds);
  if (auto tps = m.eval_tokens_per_second()) {
    s.tps.observe(*tps);
    if (baselines_) {
      const BaselineKey key{instance_, model, prompt};
      s.baseline = baselines_->median(key);
      s.regression.reset();
      if (s.baseline && *s.baseline > 0) s.regression = *tps / *s.baseline;
      baselines_->record(key, *tps);
    }
  }
}

void BenchState::record_concurrent(const std::string& model, std::int64_t concurrency,
                                   std::optional<double> tokens_per_second) {
  if (tokens_per_second) {
    touch(model);
    concurrent_[{model, concurrency}] = *tokens_per_second;
  } else {
    concurrent_.erase({model, concurrency});
  }
}

MetricFamilies BenchState::families() const {
  FamilySet set;
  // Declared up front so the families exist in the same order even before the first run.
  set.family("llmon_bench_runs_total", "Benchmark runs by result.",
             prometheus::MetricType::Counter);
  // From 0, so that increase() sees the first failure.
  set.counter("llmon_bench_state_write_errors_total",
              "Failed saves of the benchmark baselines to bench.state_dir (history that a restart "
              "would lose).",
              {{"ollama", instance_}}, state_write_errors_);
  set.counter("llmon_bench_dropped_models_total",
              "Models whose benchmark series were forgotten, the least recently run first, because "
              "more were benchmarked than are kept (64, or the number of bench.models when "
              "larger).",
              {{"ollama", instance_}}, forgotten_models_);
  for (const auto& [key, s] : series_) {
    const Labels l{{"ollama", instance_}, {"model", key.model}, {"prompt", key.prompt}};
    for (const auto& [result, count] : s.runs) {
      Labels rl = l;
      rl.emplace_back("result", result);
      set.counter("llmon_bench_runs_total",
                  "Benchmark runs by result: ok, error, timeout, mismatch, truncated, "
                  "skipped_busy, skipped_not_loaded.",
                  rl, count);
    }
    if (s.last) {
      const RunResult& r = *s.last;
      const Measurement& m = r.measurement;
      set.gauge("llmon_bench_last_run_timestamp_seconds",
                "When the last benchmark request of this model and prompt ended.", l,
                r.finished_at);
      set.gauge("llmon_bench_last_eval_tokens_per_second",
                "Generation speed of the last run: eval_count / eval_duration (Ollama's timings).",
                l, m.eval_tokens_per_second());
      set.gauge("llmon_bench_last_prompt_eval_tokens_per_second",
                "Prompt processing speed of the last run: prompt_eval_count / "
                "prompt_eval_duration.",
                l, m.prompt_tokens_per_second());
      set.gauge("llmon_bench_last_ttft_seconds",
                "Time to first token of the last run, measured by llmon from sending the request.",
                l, m.ttft_seconds);
      set.gauge("llmon_bench_last_mean_chunk_gap_seconds",
                "Mean time between streamed token chunks in the last run (smoothness).", l,
                m.mean_gap_seconds);
      set.gauge("llmon_bench_last_max_chunk_gap_seconds",
                "Longest pause between streamed token chunks in the last run (stalls).", l,
                m.max_gap_seconds);
      set.gauge(
          "llmon_bench_last_load_duration_seconds",
          "Model load time in the last run (0 when the model was already loaded).", l,
          m.done ? std::optional<double>(seconds(m.load_duration_ns).value_or(0)) : std::nullopt);
      set.gauge("llmon_bench_last_total_duration_seconds",
                "Ollama's total_duration of the last run.", l, seconds(m.total_duration_ns));
      set.gauge("llmon_bench_last_queue_seconds",
                "Time the last run waited for a runner: total - load - prompt eval - eval.", l,
                m.queue_seconds());
      set.gauge("llmon_bench_last_eval_tokens", "Tokens generated in the last run.", l,
                as_double(m.eval_count));
      set.gauge("llmon_bench_last_response_bytes", "Bytes of answer text in the last run.", l,
                static_cast<double>(m.response_bytes));
      set.gauge("llmon_bench_last_correct",
                "1 when the last answer matched the prompt's expect pattern, 0 when not.", l,
                r.correct ? std::optional<double>(*r.correct ? 1.0 : 0.0) : std::nullopt);
      set.gauge("llmon_bench_last_gpu_busy_ratio",
                "Average busy ratio of the busiest GPU during the last run.", l, r.gpu_busy_ratio);
      if (r.joules_per_token) {
        Labels el = l;
        el.emplace_back("domain", r.energy_domain);
        set.gauge("llmon_bench_last_energy_joules_per_token",
                  "GPU energy per generated token in the last run; domain: gfx (the GPU alone, "
                  "where it reports that), package (including what else the power sensor covers, "
                  "on an APU the CPU cores) or mixed.",
                  el, *r.joules_per_token);
      }
      if (!m.done_reason.empty()) {
        Labels dl = l;
        dl.emplace_back("done_reason", m.done_reason);
        set.gauge("llmon_bench_last_done_reason_info",
                  "Why the last answer ended (\"length\": cut by num_predict); always 1.", dl, 1.0);
      }
    }
    if (s.ttft.count() > 0) {
      set.histogram("llmon_bench_ttft_seconds", "Time to first token of ok runs.", l,
                    s.ttft.bounds(), s.ttft.cumulative_counts(), s.ttft.count(), s.ttft.sum());
    }
    if (s.tps.count() > 0) {
      set.histogram("llmon_bench_eval_tokens_per_second", "Generation speed of ok runs.", l,
                    s.tps.bounds(), s.tps.cumulative_counts(), s.tps.count(), s.tps.sum());
    }
    set.gauge("llmon_bench_baseline_eval_tokens_per_second",
              "Median generation speed of the previous ok runs (bench.baseline_runs of them).", l,
              s.baseline);
    set.gauge("llmon_bench_regression_ratio",
              "Last generation speed / baseline: below 1 means slower than usual.", l,
              s.regression);
  }
  for (const auto& [key, tps] : concurrent_) {
    set.gauge(
        "llmon_bench_concurrent_eval_tokens_per_second",
        "Aggregate generation speed of `concurrency` identical requests sent at once.",
        {{"ollama", instance_}, {"model", key.first}, {"concurrency", std::to_string(key.second)}},
        tps);
  }
  return set.take();
}

}  // namespace llmon::bench
