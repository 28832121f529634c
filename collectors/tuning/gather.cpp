#include "collectors/tuning/gather.hpp"

#include <algorithm>

#include "collectors/ollama/api.hpp"
#include "collectors/ollama/model_blob.hpp"
#include "collectors/process/proc_pid.hpp"
#include "collectors/tuning/kernel_params.hpp"
#include "collectors/tuning/proc_environ.hpp"
#include "collectors/tuning/runners.hpp"
#include "collectors/tuning/systemd_dbus.hpp"
#include "collectors/tuning/unit_resolve.hpp"

namespace llmon::tuning {

namespace fs = std::filesystem;

namespace {

// D-Bus calls are local and small; a manager that does not answer within this is stuck.
constexpr auto kDbusTimeout = std::chrono::seconds(2);

std::optional<double> usec_to_seconds(std::optional<std::int64_t> usec) {
  if (!usec) return std::nullopt;
  return static_cast<double>(*usec) / 1e6;
}

fs::path unit_root(const TuningConfig& config) {
  return config.root == "/" ? fs::path() : config.root;
}

ServerView gather_server(const fs::path& procfs_root, const ollama::ServerProcess& process) {
  ServerView s;
  s.pid = process.pid;
  s.start_time = process.start_time_seconds;
  if (auto info = proc::read_process_info(procfs_root, process.pid)) {
    s.ppid = info->ppid;
    if (!s.start_time) s.start_time = info->start_time_seconds;
  }
  s.cgroup = proc::read_process_cgroup(procfs_root, process.pid);
  EnvironRead env = read_environ(procfs_root, process.pid);
  if (env.ok()) {
    Environment values;
    // Go's os.Getenv returns the first of duplicate entries; emplace keeps the first.
    for (EnvVar& v : env.vars)
      values.emplace(std::move(v.name), EnvValue{std::move(v.value), "process"});
    s.environ = std::move(values);
  } else {
    s.environ_error = std::move(env.error);
  }
  return s;
}

std::vector<RunnerView> gather_runners(const fs::path& procfs_root, int server_pid,
                                       const ollama::InstanceState& state) {
  std::vector<ollama::ModelBlob> blobs;
  for (const auto& [model, show] : state.shown) {
    if (show.weights_digest) blobs.push_back({model, *show.weights_digest});
  }
  std::vector<RunnerView> out;
  for (const Runner& r : find_runners(procfs_root, server_pid)) {
    RunnerView v;
    v.pid = r.pid;
    if (r.args.model_digest) {
      const auto names = ollama::model_names_for_digest(*r.args.model_digest, blobs);
      if (!names.empty()) v.model = names.front();  // names sharing a blob share the runner
    }
    for (const auto& m : state.loaded) {
      if (m.name == v.model) v.family = m.details.family;
    }
    v.llama_server = r.args.generation == RunnerGeneration::kLlamaServer;
    v.embedding = r.args.embedding;
    if (auto it = state.shown.find(v.model); it != state.shown.end()) {
      v.embedding = v.embedding || !ollama::can_generate(it->second.capabilities);
    }
    if (r.args.parallel) v.parallel = *r.args.parallel;
    if (r.args.context_total) v.context = static_cast<std::int64_t>(*r.args.context_total);
    v.flash_attn = r.args.flash_attn;
    v.kv_cache_type = r.args.kv_cache_type();
    v.resident_bytes = r.resident_bytes;
    v.cpu_seconds = r.cpu_seconds;
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace

HostView gather_host(const fs::path& procfs_root, const fs::path& sysfs_root,
                     const std::optional<std::vector<gpu::GpuDevice>>& devices,
                     const TuningConfig& config) {
  HostView h;
  const KernelState k = read_kernel_state(procfs_root, sysfs_root);
  h.kernel_cmdline = k.cmdline.value;
  h.kernel_release = k.release.value.value_or("");
  h.ttm_module = live_ttm_module(k);
  if (h.ttm_module) {
    const TtmParams& live = *h.ttm_module == TtmModule::kAmdttm ? k.amdttm : k.ttm;
    h.ttm_pages_limit = live.pages_limit.value;
  }
  if (k.page_size > 0) h.page_size = k.page_size;
  h.expected_performance_level = config.expected_performance_level;
  if (devices) {
    std::vector<GpuView> gpus;
    for (std::size_t i = 0; i < devices->size(); ++i) {
      const gpu::GpuDevice& d = (*devices)[i];
      GpuView g;
      g.gpu = std::to_string(i);
      g.card = d.card;
      g.gfx_target = d.gfx_target;
      for (const gpu::MemoryPool& p : d.memory) {
        if (p.pool == "vram") g.vram_total_bytes = p.total_bytes;
        if (p.pool == "gtt") g.gtt_total_bytes = p.total_bytes;
      }
      g.performance_level = d.performance_level;
      gpus.push_back(std::move(g));
    }
    h.gpus = std::move(gpus);
  }
  return h;
}

UnitView gather_unit(const std::string& unit, const TuningConfig& config) {
  UnitView u;
  u.name = unit;
  const UnitFileSet files = load_unit(unit, config.unit_dirs, unit_root(config));
  u.found = files.state == UnitLoadState::kLoaded;
  u.masked = files.state == UnitLoadState::kMasked;
  for (const UnitProblem& p : files.problems) u.problems.push_back(p.where() + ": " + p.message);
  if (u.found) {
    const UnitEnvironment env = effective_unit_environment(files);
    for (const UnitEnvVar& v : env.variables) {
      u.environment[v.name] = EnvValue{v.value, v.source.where()};
    }
    for (const UnitFileStamp& f : files.files) u.files.push_back(f.path.string());
    for (const UnitFileStamp& f : env.environment_files) {
      if (f.mtime_usec) u.files.push_back(f.path.string());
    }
    for (const UnitProblem& p : env.problems) u.problems.push_back(p.where() + ": " + p.message);
    if (env.start_error) u.problems.push_back(*env.start_error);
    if (env.newest) {
      u.newest_mtime = usec_to_seconds(env.newest->mtime_usec);
      u.newest_file = env.newest->path.string();
    }
  }
  if (config.dbus_address.empty()) return u;
  auto runtime = query_unit(config.dbus_address, unit, kDbusTimeout);
  if (!runtime) {
    u.dbus_error = runtime.error().message;
    return u;
  }
  u.need_daemon_reload = runtime->need_daemon_reload;
  std::map<std::string, std::string> loaded;
  for (const std::string& assignment : runtime->environment) {
    const auto eq = assignment.find('=');
    if (eq != std::string::npos)
      loaded.emplace(assignment.substr(0, eq), assignment.substr(eq + 1));
  }
  u.loaded_environment = std::move(loaded);
  u.main_pid = static_cast<int>(runtime->main_pid);
  if (runtime->exec_main_start_usec > 0) {
    u.main_start_time = static_cast<double>(runtime->exec_main_start_usec) / 1e6;
  }
  return u;
}

InstanceView gather_instance(const OllamaConfig& o,
                             const std::optional<ollama::InstanceState>& state,
                             const fs::path& procfs_root, const TuningConfig& config) {
  InstanceView i;
  i.name = o.name;
  i.unit_name = o.unit;
  i.expect = config.expect;
  if (!o.unit.empty()) i.unit = gather_unit(o.unit, config);
  if (!state || !state->polled) {
    i.server_error = "Ollama \"" + o.name + "\" has not been polled yet";
    return i;
  }
  i.polled = true;
  i.up = state->up;
  i.version = state->version;
  for (const ollama::LoadedModel& m : state->loaded) {
    ModelView v{m.name, m.details.family, m.size, m.size_vram, false};
    if (auto it = state->shown.find(m.name); it != state->shown.end()) {
      v.embedding_only = !ollama::can_generate(it->second.capabilities);
    }
    i.loaded.push_back(std::move(v));
  }
  if (state->available) {
    for (const ollama::AvailableModel& m : *state->available) {
      if (!i.largest_available || m.size > i.largest_available->second) {
        i.largest_available = std::pair<std::string, std::int64_t>{m.name, m.size};
      }
    }
  }
  if (!state->server) {
    i.server_error = o.process.empty() ? "process discovery is off for \"" + o.name +
                                             "\" ([[ollama]] process = \"\")"
                                       : "no \"" + o.process + "\" server process found for " +
                                             state->address.url + " in " + procfs_root.string();
    return i;
  }
  i.server = gather_server(procfs_root, *state->server);
  i.runners = gather_runners(procfs_root, state->server->pid, *state);
  return i;
}

}  // namespace llmon::tuning
