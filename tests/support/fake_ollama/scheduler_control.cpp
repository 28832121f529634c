// Scheduler's test controls (expire, load_now, unload_now) and its views (/api/ps, stats).
#include "model_runtime.hpp"
#include "scheduler.hpp"

namespace fake_ollama {

void Scheduler::expire(const ModelSpec& model) {
  const auto m = runtime(model);
  if (!m || m->state == ModelRuntime::State::kUnloaded) return;
  m->session = 0;
  if (m->holding > 0) {
    m->unload_when_idle = true;
    return;
  }
  unload(m);
  pump(m);
}

void Scheduler::load_now(const ModelSpec& model, std::int64_t context_length,
                         std::optional<Nanos> keep_alive) {
  const auto m = runtime(model);
  if (!m) return;
  const std::int64_t ctx = context_length > 0 ? context_length : model.context_length;
  const bool loaded = m->state != ModelRuntime::State::kUnloaded;
  if (loaded && m->context_length == ctx) {
    if (keep_alive) m->session = *keep_alive;
  } else {
    if (m->holding > 0) return;  // busy with another context: leave it alone
    Counters& c = stats_[model.name];
    ++(loaded ? c.reloads : c.loads);
    m->context_length = ctx;
    m->session = keep_alive.value_or(scenario_->server.keep_alive);
  }
  ++m->epoch;
  m->load_timer.cancel();
  m->state = ModelRuntime::State::kLoaded;
  if (m->holding == 0) go_idle(m);
  pump(m);
}

void Scheduler::unload_now(const ModelSpec& model) {
  const auto m = runtime(model);
  if (!m) return;
  if (m->holding > 0) {
    m->unload_when_idle = true;
    return;
  }
  unload(m);
  pump(m);
}

std::vector<RunningModel> Scheduler::running() const {
  std::vector<RunningModel> out;
  const WallTime now = wall_now();
  for (const auto& [name, m] : models_) {
    if (m->state == ModelRuntime::State::kUnloaded) continue;
    out.push_back({m->spec, m->context_length, m->expires_at.value_or(add(now, m->session))});
  }
  return out;
}

boost::json::object Scheduler::stats_json() const {
  boost::json::object models;
  for (const auto& [name, c] : stats_) {
    boost::json::object entry;
    entry["loads"] = c.loads;
    entry["reloads"] = c.reloads;
    entry["unloads"] = c.unloads;
    entry["load_failures"] = c.load_failures;
    entry["max_concurrent"] = c.max_concurrent;
    models[name] = std::move(entry);
  }
  return models;
}

}  // namespace fake_ollama
