// What the GPUs did during a benchmark run, from a scripted sampler: GpuMonitor fed with fast
// samples at chosen times, as the gpu_sampler collector feeds it every sample_interval.
#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <optional>

#include "collectors/bench/gpu_run.hpp"
#include "collectors/gpu/counter_history.hpp"
#include "collectors/gpu/gpu_collector.hpp"

using namespace llmon;
using namespace std::chrono_literals;
using gpu::SteadyTime;

namespace {

// A sampler reading a constant 37 % busy, 48 W package (and optionally 30 W GPU) every second,
// from t = 0; runs are placed between samples as they fall in real life.
class ScriptedSampler {
 public:
  explicit ScriptedSampler(std::optional<double> gfx_watts = std::nullopt,
                           std::chrono::milliseconds interval = 1000ms)
      : monitor_(std::make_shared<gpu::GpuMonitor>(config(interval))),
        interval_(interval),
        gfx_(gfx_watts) {}

  // Samples at every interval up to and including `until` seconds.
  void run_until(double until) {
    while (next_ <= until + 1e-9) {
      monitor_->record_samples(at(next_), {{"0000:c5:00.0", 0.37, 48.0, gfx_}});
      next_ += std::chrono::duration<double>(interval_).count();
    }
  }
  SteadyTime at(double seconds) const {
    return t0_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                     std::chrono::duration<double>(seconds));
  }
  const std::shared_ptr<gpu::GpuMonitor>& monitor() const { return monitor_; }

  // A run from `start` to `start + length` seconds: the sampler goes on for `after` seconds
  // past its end before its statistics are read.
  bench::GpuRunStats run(double start, double length, double after = 1.0) {
    run_until(start);
    const gpu::GpuMark mark = monitor_->mark();
    run_until(start + length + after);
    return bench::summarise_gpu_run(monitor_->window(mark, at(start), at(start + length)), length);
  }

 private:
  static GpuConfig config(std::chrono::milliseconds interval) {
    GpuConfig c;
    c.backend = "none";
    c.sample_interval = interval;
    return c;
  }
  std::shared_ptr<gpu::GpuMonitor> monitor_;
  std::chrono::milliseconds interval_;
  std::optional<double> gfx_;
  SteadyTime t0_ = std::chrono::steady_clock::now();
  double next_ = 0;
};

}  // namespace

TEST_CASE("bench gpu: runs of 0.3 s, 1.7 s and 30 s get the true busy ratio and energy") {
  for (const double length : {0.3, 1.7, 30.0}) {
    CAPTURE(length);
    ScriptedSampler sampler;
    // Starting just after a sample, and halfway between two.
    for (const double start : {5.05, 10.5}) {
      CAPTURE(start);
      const auto stats = sampler.run(start, length);
      REQUIRE(stats.busy_ratio);
      CHECK(*stats.busy_ratio == doctest::Approx(0.37).epsilon(0.02));
      REQUIRE(stats.energy_joules);
      CHECK(*stats.energy_joules == doctest::Approx(48.0 * length).epsilon(0.02));
      CHECK(stats.energy_domain == "package");
    }
  }
}

TEST_CASE("bench gpu: the GPU-only energy is used where the GPU reports one") {
  ScriptedSampler sampler(30.0);
  const auto stats = sampler.run(3.2, 1.7);
  CHECK(*stats.energy_joules == doctest::Approx(30.0 * 1.7).epsilon(0.02));
  CHECK(stats.energy_domain == "gfx");
}

TEST_CASE("bench gpu: a run nothing was sampled during or around is absent, never 0") {
  ScriptedSampler sampler;
  // Between two samples, the second not taken yet: nothing brackets the run.
  sampler.run_until(4.0);
  const gpu::GpuMark mark = sampler.monitor()->mark();
  const auto before = sampler.monitor()->window(mark, sampler.at(4.2), sampler.at(4.5));
  REQUIRE(before.size() == 1);
  CHECK_FALSE(before[0].totals.complete);
  const auto early = bench::summarise_gpu_run(before, 0.3);
  CHECK_FALSE(early.busy_ratio);
  CHECK_FALSE(early.energy_joules);
  CHECK(early.energy_domain.empty());
  // Once the next sample is in, it is.
  sampler.run_until(5.0);
  const auto after = sampler.monitor()->window(mark, sampler.at(4.2), sampler.at(4.5));
  CHECK(after[0].totals.complete);
  CHECK(*bench::summarise_gpu_run(after, 0.3).energy_joules == doctest::Approx(48.0 * 0.3));
  // No GPU monitor data at all.
  const auto none = bench::summarise_gpu_run({}, 2.0);
  CHECK_FALSE(none.busy_ratio);
  CHECK_FALSE(none.energy_joules);
}

TEST_CASE("bench gpu: a run longer than the sample history still integrates exactly") {
  // 100 ms samples for 80 s: 800 samples, more than the 512 the history keeps.
  ScriptedSampler sampler(std::nullopt, 100ms);
  const auto stats = sampler.run(2.03, 80.0);
  CHECK(*stats.busy_ratio == doctest::Approx(0.37).epsilon(0.02));
  CHECK(*stats.energy_joules == doctest::Approx(48.0 * 80.0).epsilon(0.02));
}

TEST_CASE("bench gpu: interpolates a changing power at both ends of the run") {
  gpu::CounterHistory history;
  const SteadyTime t0 = std::chrono::steady_clock::now();
  // 10 W for the second ending at t = 1, 50 W for the one ending at t = 2, 20 W up to t = 3.
  history.add({t0, 0.0, 0.0, 10.0, 0.0, std::nullopt, std::nullopt});
  history.add({t0 + 1s, 0.5, 0.5, 10.0, 10.0, std::nullopt, std::nullopt});
  history.add({t0 + 2s, 1.0, 1.5, 50.0, 60.0, std::nullopt, std::nullopt});
  history.add({t0 + 3s, 0.0, 1.5, 20.0, 80.0, std::nullopt, std::nullopt});
  const auto t = history.totals(nullptr, t0 + 500ms, t0 + 2500ms);
  CHECK(t.complete);
  CHECK(*t.package_joules == doctest::Approx(0.5 * 10 + 50 + 0.5 * 20));
  CHECK(*t.busy_seconds == doctest::Approx(0.25 + 1.0));
  CHECK_FALSE(t.gfx_joules);
  // Past the last sample the last reading is held; a run that starts there has nothing inside
  // or around it.
  CHECK_FALSE(history.totals(nullptr, t0 + 3500ms, t0 + 4s).package_joules);
  CHECK(*history.totals(nullptr, t0 + 2500ms, t0 + 4s).package_joules ==
        doctest::Approx(0.5 * 20 + 20));
  CHECK_FALSE(history.totals(nullptr, t0 + 2s, t0 + 1s).package_joules);  // backwards
}

TEST_CASE("bench gpu: gather_gpu_run waits for the sample that closes a short run") {
  boost::asio::io_context io;
  GpuConfig config;
  config.backend = "none";
  config.sample_interval = 100ms;
  auto monitor = std::make_shared<gpu::GpuMonitor>(config);
  // A 30 ms run that ends now, the last sample 50 ms before it began: nothing closes it yet.
  const auto end = std::chrono::steady_clock::now();
  const auto start = end - 30ms;
  monitor->record_samples(start - 50ms, {{"0000:c5:00.0", 0.37, 48.0, std::nullopt}});
  const gpu::GpuMark mark = monitor->mark();
  std::optional<bench::GpuRunStats> got;
  bench::gather_gpu_run(io.get_executor(), monitor, mark, start, end,
                        [&](bench::GpuRunStats s) { got = s; });
  CHECK_FALSE(got);  // waiting for a sample after `end`
  monitor->record_samples(end + 60ms, {{"0000:c5:00.0", 0.37, 48.0, std::nullopt}});
  io.run_for(1s);
  REQUIRE(got);
  CHECK(*got->busy_ratio == doctest::Approx(0.37));
  CHECK(*got->energy_joules == doctest::Approx(48.0 * 0.03).epsilon(0.02));

  // With no sampler at all, it answers at once, with nothing.
  std::optional<bench::GpuRunStats> none;
  bench::gather_gpu_run(io.get_executor(), nullptr, {}, start, end,
                        [&](bench::GpuRunStats s) { none = s; });
  REQUIRE(none);
  CHECK_FALSE(none->energy_joules);
}
