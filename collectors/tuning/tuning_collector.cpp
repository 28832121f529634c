#include "collectors/tuning/tuning_collector.hpp"

#include <map>

#include "collectors/gpu/gpu_collector.hpp"
#include "collectors/ollama/registry.hpp"
#include "collectors/tuning/gather.hpp"
#include "common/clock.hpp"
#include "common/log.hpp"

namespace llmon::tuning {

namespace {

std::string subject(const CheckResult& r) {
  return r.instance.empty() ? r.check : r.instance + " " + r.check;
}

// One log line when a check's state changes, not one per run: drift with its evidence and fix,
// unknown with the reason, and the return to ok.
class ChangeLog {
 public:
  void observe(const std::vector<CheckResult>& results) {
    auto log = logger("tuning");
    std::map<std::pair<std::string, std::string>, CheckState> now;
    for (const CheckResult& r : results) {
      const auto key = std::make_pair(r.instance, r.check);
      now[key] = r.state;
      auto it = last_.find(key);
      const bool first = it == last_.end();
      if (!first && it->second == r.state) continue;
      switch (r.state) {
        case CheckState::kDrift:
          log->warn("{}: drift: {}; fix: {}", subject(r),
                    r.evidence.empty() ? r.actual : r.evidence.front(), r.fix);
          break;
        case CheckState::kUnknown:
          log->info("{}: cannot be checked: {}", subject(r), r.unknown_reason);
          break;
        case CheckState::kOk:
          if (!first) log->info("{}: in order again", subject(r));
          break;
      }
    }
    last_ = std::move(now);
  }

 private:
  std::map<std::pair<std::string, std::string>, CheckState> last_;
};

class TuningCollector final : public Collector {
 public:
  TuningCollector(SourcesConfig config, Services services)
      : config_(std::move(config)), services_(std::move(services)) {}

  std::string name() const override { return "tuning"; }
  Duration interval() const override { return config_.tuning.interval; }

  CollectResult collect() override {
    Evaluation e = evaluate(config_, services_, unix_now());
    changes_.observe(e.results);
    return tuning_families(e);
  }

 private:
  SourcesConfig config_;
  Services services_;
  ChangeLog changes_;
};

}  // namespace

Evaluation evaluate(const SourcesConfig& config, const Services& services, double now) {
  Evaluation e;
  std::optional<std::vector<gpu::GpuDevice>> devices;
  if (services.gpu) devices = services.gpu->latest_devices();
  e.host = gather_host(config.host.procfs_root, config.gpu.sysfs_root, devices, config.tuning);
  e.results = check_host(e.host);
  for (const OllamaConfig& o : config.ollama) {
    std::optional<ollama::InstanceState> state;
    if (services.ollama) state = services.ollama->get(o.name);
    InstanceView view = gather_instance(o, state, config.host.procfs_root, config.tuning);
    // Before the instance's first poll there is nothing to judge yet: no results rather than a
    // burst of "unknown" at every start.
    if (view.polled) {
      for (CheckResult& r : check_instance(view, e.host, now)) e.results.push_back(std::move(r));
    }
    e.instances.push_back(std::move(view));
  }
  return e;
}

std::vector<std::unique_ptr<Collector>> make_tuning_collectors(const SourcesConfig& config,
                                                               Services& services) {
  std::vector<std::unique_ptr<Collector>> out;
  if (config.tuning.enabled) out.push_back(std::make_unique<TuningCollector>(config, services));
  return out;
}

}  // namespace llmon::tuning
