#include "daemon/doctor_command.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <iostream>

#include "collectors/gpu/gpu_collector.hpp"
#include "collectors/ollama/registry.hpp"
#include "collectors/registry.hpp"
#include "collectors/tuning/tuning_collector.hpp"
#include "common/clock.hpp"
#include "common/log.hpp"
#include "daemon/config_source.hpp"
#include "daemon/doctor_report.hpp"
#include "daemon/run_once.hpp"

namespace llmon {

namespace {

constexpr int kExitUsage = 2;

// The collectors the doctor needs before it can judge: the full GPU reading and every Ollama
// instance (benchmarks, samplers and llmon's own process are of no use to it).
bool wanted(const std::string& name) { return name == "gpu" || name.rfind("ollama/", 0) == 0; }

DoctorReport report_of(const Config& config, const Services& services, const tuning::Evaluation& e,
                       const std::string& gpu_problem) {
  DoctorReport report;
  report.gpu_problem = gpu_problem;
  std::optional<std::vector<gpu::GpuDevice>> devices;
  if (services.gpu) devices = services.gpu->latest_devices();
  if (devices) {
    for (std::size_t i = 0; i < devices->size(); ++i) {
      const gpu::GpuDevice& d = (*devices)[i];
      DoctorGpu g{std::to_string(i), d.name, d.gfx_target, {}, {}, {}, {}, d.busy_ratio};
      for (const gpu::MemoryPool& p : d.memory) {
        if (p.pool == "vram") {
          g.vram_used = p.used_bytes;
          g.vram_total = p.total_bytes;
        } else if (p.pool == "gtt") {
          g.gtt_used = p.used_bytes;
          g.gtt_total = p.total_bytes;
        }
      }
      report.gpus.push_back(std::move(g));
    }
    if (devices->empty() && report.gpu_problem.empty()) {
      report.gpu_problem = config.gpu.backend == "none"
                               ? "GPU monitoring is off (gpu.backend = \"none\")"
                               : "no AMD GPU found under " + config.gpu.sysfs_root.string();
    }
  }
  for (const tuning::CheckResult& r : e.results) {
    if (r.instance.empty()) report.host_checks.push_back(r);
  }
  for (const OllamaConfig& o : config.ollama) {
    DoctorInstance d;
    d.name = o.name;
    d.url = o.url;
    if (auto s = services.ollama ? services.ollama->get(o.name) : std::nullopt) {
      d.up = s->up;
      d.version = s->version;
      d.models_loaded = s->loaded.size();
      if (s->server) d.pid = s->server->pid;
    }
    for (const tuning::CheckResult& r : e.results) {
      if (r.instance == o.name) d.checks.push_back(r);
    }
    report.instances.push_back(std::move(d));
  }
  return report;
}

}  // namespace

int run_doctor_command(const Options& options) {
  auto config = ConfigSource::from(options).load();
  if (!config) {
    std::cerr << config.error().message << "\n";
    return kExitUsage;
  }
  // The checklist is the output; the collectors' own progress lines would only clutter it.
  set_log_level(spdlog::level::warn);
  // The I/O objects must outlive the collectors: an Ollama collector's HTTP client closes its
  // socket through the io_context when it is destroyed.
  boost::asio::io_context io;
  boost::asio::thread_pool pool(2);
  Services services;
  const auto collectors = make_collectors(*config, Purpose::kOneShot, &services);
  std::string gpu_problem;
  std::map<std::string, std::string> down;  // instance -> why
  for (const auto& c : collectors) {
    if (!wanted(c->name())) continue;
    try {
      CollectResult r = run_once(*c, io, pool);
      if (r.degraded) down[c->name().substr(7)] = *r.degraded;
    } catch (const std::exception& e) {
      if (c->name() == "gpu") gpu_problem = std::string("reading the GPUs failed: ") + e.what();
    }
  }
  pool.join();
  const tuning::Evaluation e = tuning::evaluate(*config, services, unix_now());
  DoctorReport report = report_of(*config, services, e, gpu_problem);
  for (DoctorInstance& i : report.instances) {
    if (auto it = down.find(i.name); it != down.end()) i.problem = it->second;
  }
  std::cout << (options.format == "json" ? render_doctor_json(report) : render_doctor_text(report));
  return doctor_exit_code(report);
}

}  // namespace llmon
