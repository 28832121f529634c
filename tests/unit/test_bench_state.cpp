#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <filesystem>

#include "collectors/bench/bench_state.hpp"
#include "collectors/bench/plan.hpp"
#include "collectors/bench/prepare.hpp"
#include "daemon/bench_report.hpp"
#include "metrics_test_support.hpp"

using namespace llmon;
using namespace llmon::bench;
using llmon::test::has;
using llmon::test::render;

namespace {

ollama::LoadedModel loaded(const std::string& name, std::optional<std::int64_t> ctx) {
  ollama::LoadedModel m;
  m.name = m.model = name;
  m.context_length = ctx;
  return m;
}

RunResult ok_run(std::int64_t eval_count, std::int64_t eval_ns) {
  RunResult r;
  r.outcome = Outcome::kOk;
  r.correct = true;
  r.finished_at = 1795450000;
  r.wall_seconds = 2;
  r.measurement.done = true;
  r.measurement.done_reason = "length";
  r.measurement.ttft_seconds = 0.3;
  r.measurement.mean_gap_seconds = 0.02;
  r.measurement.max_gap_seconds = 0.25;
  r.measurement.eval_count = eval_count;
  r.measurement.eval_duration_ns = eval_ns;
  r.measurement.prompt_eval_count = 40;
  r.measurement.prompt_eval_duration_ns = 20'000'000;
  r.measurement.total_duration_ns = 2'100'000'000;
  r.measurement.response_bytes = 900;
  return r;
}

}  // namespace

TEST_CASE("bench plan: loaded models only, exact context length, cold models skipped") {
  const std::vector<ollama::LoadedModel> ps = {loaded("a:1b", 8192), loaded("b:7b", std::nullopt)};
  const auto all = plan_models({}, ps, true);
  REQUIRE(all.size() == 2);
  CHECK(*all[0].num_ctx == 8192);
  CHECK_FALSE(all[1].num_ctx);  // not reported by the server: omit num_ctx
  const auto named = plan_models({"b:7b", "cold:3b"}, ps, true);
  REQUIRE(named.size() == 2);
  CHECK_FALSE(named[0].skip_not_loaded);
  CHECK(named[1].skip_not_loaded);
  const auto allowed = plan_models({"cold:3b"}, ps, false);
  CHECK_FALSE(allowed[0].skip_not_loaded);
  CHECK_FALSE(allowed[0].num_ctx);  // a model being loaded gets the server's default context
  CHECK(plan_models({}, {}, true).empty());
}

TEST_CASE("bench plan: a context length of 0 or less is unknown, never sent as num_ctx") {
  const std::vector<ollama::LoadedModel> ps = {loaded("zero:1b", 0), loaded("neg:1b", -4096)};
  for (const auto& plan :
       {plan_models({}, ps, true), plan_models({"zero:1b", "neg:1b"}, ps, true)}) {
    REQUIRE(plan.size() == 2);
    CHECK_FALSE(plan[0].num_ctx);
    CHECK_FALSE(plan[1].num_ctx);
  }
  CHECK(usable_num_ctx(4096) == 4096);
  CHECK_FALSE(usable_num_ctx(std::nullopt));
}

TEST_CASE("bench prompts: the built-in suite unless [[bench.prompt]] replaces it") {
  BenchConfig config;
  CHECK(prepare_prompts(config).size() == 6);
  config.prompts.push_back(
      {"mine", "Say hi", std::string("hi|hello"), 16, 0.0, 1, "chat", std::string("high")});
  const auto prompts = prepare_prompts(config);
  REQUIRE(prompts.size() == 1);
  CHECK(prompts[0].prompt.api == "chat");
  CHECK(prompts[0].prompt.think == std::optional<std::string>("high"));
  CHECK(prompts[0].expect.has_value());
}

TEST_CASE("bench state: outcomes, last values, baseline and regression") {
  const auto dir = std::filesystem::temp_directory_path() / "llmon-bench-state-test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto baselines = std::make_shared<BaselineStore>(dir / "b.json", 3);
  BenchState state("box", baselines);
  state.record("m", "p", ok_run(100, 2'000'000'000));  // 50 tokens/s, no baseline yet
  auto text = render(state.families());
  const std::string l = "{model=\"m\",ollama=\"box\",prompt=\"p\"";
  CHECK(has(text, "llmon_bench_runs_total" + l + ",result=\"ok\"} 1"));
  CHECK(has(text, "llmon_bench_last_eval_tokens_per_second" + l + "} 50\n"));
  CHECK(has(text, "llmon_bench_last_prompt_eval_tokens_per_second" + l + "} 2000\n"));
  CHECK(has(text, "llmon_bench_last_load_duration_seconds" + l + "} 0\n"));  // omitted: loaded
  CHECK(has(text, "llmon_bench_last_correct" + l + "} 1\n"));
  CHECK(has(text, "llmon_bench_last_max_chunk_gap_seconds" + l + "} 0.25\n"));
  CHECK(has(text, "llmon_bench_last_mean_chunk_gap_seconds" + l + "} 0.02\n"));
  CHECK(has(text, "llmon_bench_last_done_reason_info{done_reason=\"length\",model=\"m\""));
  CHECK_FALSE(has(text, "llmon_bench_baseline_eval_tokens_per_second"));
  CHECK_FALSE(has(text, "llmon_bench_last_energy_joules_per_token"));  // no GPU power
  CHECK(has(text, "llmon_bench_eval_tokens_per_second_bucket" + l + ",le=\"50\"} 1"));
  CHECK(has(text, "llmon_bench_eval_tokens_per_second_bucket" + l + ",le=\"40\"} 0"));

  RunResult measured = ok_run(100, 4'000'000'000);  // 25 tokens/s: half the baseline
  measured.gpu_busy_ratio = 0.37;
  measured.energy_joules = 31.5;
  measured.energy_domain = "gfx";
  measured.joules_per_token = 0.315;
  state.record("m", "p", measured);
  text = render(state.families());
  CHECK(has(text, "llmon_bench_last_gpu_busy_ratio" + l + "} 0.37\n"));
  CHECK(has(text, "llmon_bench_last_energy_joules_per_token{domain=\"gfx\",model=\"m\""));
  CHECK(has(text, "llmon_bench_baseline_eval_tokens_per_second" + l + "} 50\n"));
  CHECK(has(text, "llmon_bench_regression_ratio" + l + "} 0.5\n"));

  RunResult skipped;
  skipped.outcome = Outcome::kSkippedBusy;
  state.record("m", "p", skipped);
  RunResult failed;
  failed.outcome = Outcome::kTimeout;
  failed.finished_at = 1795450100;
  state.record("m", "p", failed);
  text = render(state.families());
  CHECK(has(text, "result=\"skipped_busy\"} 1"));
  CHECK(has(text, "result=\"timeout\"} 1"));
  // A timed-out run measured nothing: its values are absent, not 0.
  CHECK_FALSE(has(text, "llmon_bench_last_eval_tokens_per_second" + l));
  CHECK(has(text, "llmon_bench_last_run_timestamp_seconds" + l + "} 1795450100"));
  REQUIRE(baselines->save().ok());
  BaselineStore again(dir / "b.json", 3);
  CHECK_FALSE(again.load());
  CHECK(*again.median({"box", "m", "p"}) == doctest::Approx(37.5));
  std::filesystem::remove_all(dir);
}

TEST_CASE("bench state: a run whose speed was impossible feeds no histogram and no baseline") {
  const auto dir = std::filesystem::temp_directory_path() / "llmon-bench-impossible-test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto baselines = std::make_shared<BaselineStore>(dir / "b.json", 3);
  BenchState state("box", baselines);
  RunResult r = ok_run(100, 2'000'000'000);
  r.measurement = measure_response(
      R"({"response":"a","done":true,"eval_count":9223372036854775807,"eval_duration":1})");
  state.record("m", "p", r);
  const std::string text = render(state.families());
  CHECK(
      has(text, "llmon_bench_runs_total{model=\"m\",ollama=\"box\",prompt=\"p\",result=\"ok\"} 1"));
  CHECK_FALSE(has(text, "llmon_bench_last_eval_tokens_per_second"));
  CHECK_FALSE(has(text, "llmon_bench_last_eval_tokens{"));
  CHECK_FALSE(has(text, "llmon_bench_eval_tokens_per_second_sum"));
  CHECK(baselines->values({"box", "m", "p"}).empty());
  std::filesystem::remove_all(dir);
}

TEST_CASE("bench state: at most 64 models keep series, the least recently run are forgotten") {
  BenchState state("box", nullptr);
  for (int i = 0; i < 70; ++i) {
    state.record("m" + std::to_string(i), "p", ok_run(100, 2'000'000'000));
    if (i == 10) state.record("m0", "q", ok_run(100, 2'000'000'000));  // m0 ran again
    state.record_concurrent("m" + std::to_string(i), 2, 90.0);
  }
  const std::string text = render(state.families());
  CHECK(has(text, "llmon_bench_dropped_models_total{ollama=\"box\"} 6\n"));
  CHECK(state.has_model("m0"));
  CHECK(has(text, "llmon_bench_runs_total{model=\"m0\",ollama=\"box\",prompt=\"p\""));
  for (const char* gone : {"m1", "m6"}) {
    CAPTURE(gone);
    CHECK_FALSE(state.has_model(gone));
    CHECK_FALSE(has(text, "model=\"" + std::string(gone) + "\""));
  }
  CHECK(state.has_model("m7"));
  CHECK(has(text, "llmon_bench_concurrent_eval_tokens_per_second{concurrency=\"2\",model=\"m69\""));
  std::size_t series = 0;
  for (std::size_t at = 0;
       (at = text.find("\nllmon_bench_last_run_timestamp_seconds{", at)) != std::string::npos;
       ++at) {
    ++series;
  }
  CHECK(series == kMaxBenchModels + 1);  // m0 has two prompts

  BenchState configured("box", nullptr, 100);  // bench.models lists 100: none is forgotten
  for (int i = 0; i < 100; ++i) {
    configured.record("m" + std::to_string(i), "p", ok_run(1, 1'000'000'000));
  }
  CHECK(has(render(configured.families()), "llmon_bench_dropped_models_total{ollama=\"box\"} 0\n"));
}

TEST_CASE("bench state: concurrency results") {
  BenchState state("box", nullptr);
  state.record_concurrent("m", 4, 180.0);
  CHECK(has(render(state.families()),
            "llmon_bench_concurrent_eval_tokens_per_second{concurrency=\"4\",model=\"m\","
            "ollama=\"box\"} 180"));
  state.record_concurrent("m", 4, std::nullopt);  // a failed concurrent run withdraws it
  CHECK_FALSE(has(render(state.families()), "llmon_bench_concurrent"));
}

TEST_CASE("bench report: json, csv and table agree") {
  ModelRuns m{"qwen3-coder:30b", true, {}};
  m.runs.push_back({"p", 1, ok_run(100, 2'000'000'000)});
  m.runs.push_back({"p", 2, ok_run(100, 4'000'000'000)});
  const auto json = boost::json::parse(render_bench_report("http://x:1", {m}, "json", true));
  const auto& row = json.at("models").at(0);
  CHECK(row.at("runs").as_int64() == 2);
  CHECK(row.at("correct").as_int64() == 2);
  CHECK(row.at("eval_tokens_per_second").at("median").as_double() == doctest::Approx(37.5));
  CHECK(row.at("details").at(1).at("eval_duration_ns").as_int64() == 4'000'000'000);
  const auto csv = render_bench_report("http://x:1", {m}, "csv", true);
  CHECK(csv.rfind("ollama,model,runs,ok,", 0) == 0);
  CHECK(has(csv, ",correct,checked,j_per_token,gpu_busy\n"));
  CHECK(has(csv, "\nhttp://x:1,qwen3-coder:30b,2,2,2.10,100,37.5,"));
  CHECK(has(csv, ",2,2,,\n"));  // correct, checked, no joules per token, no busy ratio
  const auto table = render_bench_report("http://x:1", {m}, "table", true);
  CHECK(has(table, "37.5 (25.0-50.0)"));
  CHECK(has(table, "2/2"));
}

TEST_CASE("bench report: numbers as people write them, no trailing spaces") {
  ModelRuns m{"m", true, {}};
  m.runs.push_back({"p", 1, ok_run(200, 1'000'000'000)});  // 200 tokens/s exactly
  m.runs.back().result.measurement.ttft_seconds = 0.251;
  const std::string json = render_bench_report("http://x:1", {m}, "json", false);
  CHECK(has(json, "\"eval_tokens_per_second\":{\"median\":200,\"min\":200,\"max\":200,"));
  CHECK(has(json, "\"ttft_seconds\":0.251,"));
  CHECK_FALSE(has(json, "E"));  // boost::json wrote 2E2 and 2.51E-1
  const std::string table = render_bench_report("http://x:1", {m}, "table", false);
  CHECK_FALSE(has(table, " \n"));
}
