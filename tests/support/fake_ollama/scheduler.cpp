#include "scheduler.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>

#include "model_runtime.hpp"

namespace fake_ollama {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

// Longer keep-alives are never reached by a test process, and asio timers cannot take kForever.
constexpr Nanos kLongestTimer = 30LL * 24 * 3600 * kNanosPerSecond;

Nanos since(Clock::time_point earlier, Clock::time_point later) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(later - earlier).count();
}

}  // namespace

Scheduler::~Scheduler() {
  for (auto& [name, m] : models_) {
    m->retired = true;
    m->load_timer.cancel();
    m->expiry_timer.cancel();
    for (auto& w : m->queue) {
      w->ready = nullptr;  // they own the waiting jobs, which own their tickets
      w->failed = nullptr;
    }
    m->queue.clear();
  }
}

void Scheduler::reset(std::shared_ptr<const Scenario> scenario) {
  for (auto& [name, m] : models_) {
    m->retired = true;
    m->load_timer.cancel();
    m->expiry_timer.cancel();
    for (auto& w : m->queue) fail(w, 500, "fake_ollama: the scenario was replaced");
    m->queue.clear();
  }
  models_.clear();
  scenario_ = std::move(scenario);
  for (const auto& spec : scenario_->models) {
    auto m = std::make_shared<ModelRuntime>(ioc_, scenario_, spec);
    models_[normalize_model_name(spec.name)] = m;
    if (spec.loaded) {
      m->state = ModelRuntime::State::kLoaded;
      m->context_length =
          spec.loaded_context_length > 0 ? spec.loaded_context_length : spec.context_length;
      m->session = spec.keep_alive.value_or(scenario_->server.keep_alive);
      go_idle(m);
    }
  }
}

std::shared_ptr<ModelRuntime> Scheduler::runtime(const ModelSpec& model) const {
  const auto it = models_.find(normalize_model_name(model.name));
  return it == models_.end() ? nullptr : it->second;
}

int Scheduler::parallel(const ModelRuntime& m) const {
  return m.spec->num_parallel > 0 ? m.spec->num_parallel : scenario_->server.num_parallel;
}

std::size_t Scheduler::queued() const {
  std::size_t n = 0;
  for (const auto& [name, m] : models_) n += m->queue.size();
  return n;
}

Ticket Scheduler::acquire(const ModelSpec& model, std::int64_t context_length,
                          std::optional<Nanos> keep_alive, std::function<void(Grant)> ready,
                          std::function<void(int, std::string)> failed) {
  auto w = std::make_shared<Waiter>();
  w->model = runtime(model);
  w->context_length = context_length > 0 ? context_length : model.context_length;
  w->keep_alive = keep_alive;
  w->arrived = Clock::now();
  w->ready = std::move(ready);
  w->failed = std::move(failed);
  if (!w->model) {
    fail(w, 500, "fake_ollama: model '" + model.name + "' is not in the scenario");
  } else if (queued() >= static_cast<std::size_t>(scenario_->server.max_queue)) {
    // Ollama's ErrMaxQueue text, two spaces included.
    fail(w, 503, "server busy, please try again.  maximum pending requests exceeded");
  } else {
    w->model->queue.push_back(w);
    pump(w->model);
  }
  return w;
}

void Scheduler::pump(const std::shared_ptr<ModelRuntime>& m) {
  using State = ModelRuntime::State;
  while (!m->retired && !m->queue.empty()) {
    const Ticket w = m->queue.front();
    if (m->state == State::kLoading) return;
    if (m->state == State::kLoaded && m->context_length == w->context_length) {
      if (m->holding >= parallel(*m)) return;
      m->queue.pop_front();
      grant(m, w);
      continue;
    }
    // Another context (or not loaded): like sched.go, wait until the runner is idle, then load.
    if (m->holding > 0) return;
    begin_load(m, w);
    return;
  }
}

void Scheduler::begin_load(const std::shared_ptr<ModelRuntime>& m, const Ticket& first) {
  const bool reload = m->state == ModelRuntime::State::kLoaded;
  Counters& c = stats_[m->spec->name];
  ++(reload ? c.reloads : c.loads);
  ++m->epoch;
  m->expiry_timer.cancel();
  // A runner is listed by /api/ps from the moment its load starts, as in sched.go.
  m->state = ModelRuntime::State::kLoading;
  m->context_length = first->context_length;
  m->session = first->keep_alive.value_or(scenario_->server.keep_alive);
  m->expires_at.reset();
  m->unload_when_idle = false;
  m->load_timer.expires_after(std::chrono::nanoseconds(m->spec->load_delay));
  m->load_timer.async_wait([this, weak = std::weak_ptr(m), epoch = m->epoch](auto ec) {
    const auto locked = weak.lock();
    if (ec || !locked || locked->retired || locked->epoch != epoch) return;
    finish_load(locked);
  });
}

void Scheduler::finish_load(const std::shared_ptr<ModelRuntime>& m) {
  if (!m->spec->load_error.empty()) {
    ++stats_[m->spec->name].load_failures;
    m->state = ModelRuntime::State::kUnloaded;
    m->context_length = 0;
    if (!m->queue.empty()) {
      const Ticket w = m->queue.front();
      m->queue.pop_front();
      fail(w, 500, m->spec->load_error);
    }
    pump(m);
    return;
  }
  m->state = ModelRuntime::State::kLoaded;
  const auto now = Clock::now();
  for (auto& w : m->queue) {
    if (!w->loaded_at) w->loaded_at = now;
  }
  pump(m);
}

void Scheduler::grant(const std::shared_ptr<ModelRuntime>& m, const Ticket& w) {
  ++m->holding;
  Counters& c = stats_[m->spec->name];
  c.max_concurrent = std::max<std::int64_t>(c.max_concurrent, m->holding);
  m->expiry_timer.cancel();
  ++m->epoch;
  if (w->keep_alive) m->session = *w->keep_alive;
  w->holding = true;
  const Grant g{w->loaded_at ? since(w->arrived, *w->loaded_at) : 0, m->context_length};
  // The callback moves out of the ticket, so that a job holding its ticket is no cycle.
  asio::post(ioc_, [w, g, ready = std::move(w->ready)] {
    if (!w->finished && ready) ready(g);
  });
  w->ready = nullptr;
  w->failed = nullptr;  // a granted request cannot fail in the scheduler any more
}

void Scheduler::release(const Ticket& w) {
  if (!w || w->finished) return;
  w->finished = true;
  w->ready = nullptr;
  w->failed = nullptr;
  const auto m = w->model;
  if (!m) return;
  if (!w->holding) {
    std::erase(m->queue, w);
    if (!m->retired) pump(m);
    return;
  }
  w->holding = false;
  --m->holding;
  if (m->retired || m->holding > 0) {
    if (!m->retired) pump(m);
    return;
  }
  if (m->unload_when_idle || m->session <= 0) {
    unload(m);
  } else {
    go_idle(m);
  }
  pump(m);
}

void Scheduler::go_idle(const std::shared_ptr<ModelRuntime>& m) {
  m->expires_at = add(wall_now(), m->session);
  arm_expiry(m);
}

void Scheduler::arm_expiry(const std::shared_ptr<ModelRuntime>& m) {
  ++m->epoch;
  m->expiry_timer.cancel();
  if (m->session > kLongestTimer) return;
  m->expiry_timer.expires_after(std::chrono::nanoseconds(m->session));
  m->expiry_timer.async_wait([this, weak = std::weak_ptr(m), epoch = m->epoch](auto ec) {
    const auto locked = weak.lock();
    if (ec || !locked || locked->retired || locked->epoch != epoch || locked->holding > 0) return;
    unload(locked);
    pump(locked);
  });
}

void Scheduler::unload(const std::shared_ptr<ModelRuntime>& m) {
  if (m->state == ModelRuntime::State::kUnloaded) return;
  ++stats_[m->spec->name].unloads;
  ++m->epoch;
  m->load_timer.cancel();
  m->expiry_timer.cancel();
  m->state = ModelRuntime::State::kUnloaded;
  m->context_length = 0;
  m->expires_at.reset();
  m->unload_when_idle = false;
}

void Scheduler::fail(const Ticket& w, int status, std::string error) {
  w->finished = true;
  auto failed = std::move(w->failed);
  w->ready = nullptr;
  w->failed = nullptr;
  if (!failed) return;
  asio::post(ioc_, [failed = std::move(failed), status, error = std::move(error)] {
    failed(status, error);
  });
}

}  // namespace fake_ollama
