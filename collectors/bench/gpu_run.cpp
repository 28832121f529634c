#include "collectors/bench/gpu_run.hpp"

#include <algorithm>
#include <boost/asio/steady_timer.hpp>
#include <chrono>

namespace llmon::bench {

namespace {

// How often to look for the sample that closes a run; a sample interval is 100 ms at least.
constexpr auto kPoll = std::chrono::milliseconds(25);

bool all_complete(const std::vector<gpu::GpuWindow>& windows) {
  return std::all_of(windows.begin(), windows.end(),
                     [](const gpu::GpuWindow& w) { return w.totals.complete; });
}

struct Gatherer : std::enable_shared_from_this<Gatherer> {
  Gatherer(const boost::asio::any_io_executor& io, std::shared_ptr<gpu::GpuMonitor> m,
           gpu::GpuMark k, gpu::SteadyTime s, gpu::SteadyTime e, std::function<void(GpuRunStats)> d)
      : timer(io), monitor(std::move(m)), mark(std::move(k)), start(s), end(e), done(std::move(d)) {
    deadline = end + 5 * monitor->config().sample_interval + kPoll;
  }

  void step() {
    const auto windows = monitor->window(mark, start, end);
    if (all_complete(windows) || std::chrono::steady_clock::now() >= deadline) {
      return done(summarise_gpu_run(windows, std::chrono::duration<double>(end - start).count()));
    }
    timer.expires_after(kPoll);
    timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec) self->step();
    });
  }

  boost::asio::steady_timer timer;
  std::shared_ptr<gpu::GpuMonitor> monitor;
  gpu::GpuMark mark;
  gpu::SteadyTime start, end, deadline;
  std::function<void(GpuRunStats)> done;
};

}  // namespace

GpuRunStats summarise_gpu_run(const std::vector<gpu::GpuWindow>& windows, double seconds) {
  GpuRunStats stats;
  bool gfx = false, package = false;
  for (const gpu::GpuWindow& w : windows) {
    if (w.totals.busy_seconds && seconds > 0) {
      const double ratio = std::clamp(*w.totals.busy_seconds / seconds, 0.0, 1.0);
      stats.busy_ratio = std::max(stats.busy_ratio.value_or(0), ratio);
    }
    const auto& energy = w.totals.gfx_joules ? w.totals.gfx_joules : w.totals.package_joules;
    if (!energy) continue;
    (w.totals.gfx_joules ? gfx : package) = true;
    stats.energy_joules = stats.energy_joules.value_or(0) + std::max(0.0, *energy);
  }
  if (gfx || package) stats.energy_domain = gfx && package ? "mixed" : gfx ? "gfx" : "package";
  return stats;
}

void gather_gpu_run(const boost::asio::any_io_executor& io,
                    const std::shared_ptr<gpu::GpuMonitor>& monitor, gpu::GpuMark mark,
                    gpu::SteadyTime start, gpu::SteadyTime end,
                    std::function<void(GpuRunStats)> done) {
  if (!monitor) return done({});
  std::make_shared<Gatherer>(io, monitor, std::move(mark), start, end, std::move(done))->step();
}

}  // namespace llmon::bench
