#include "daemon/bench_command.hpp"

#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/json.hpp>
#include <iostream>
#include <random>

#include "collectors/bench/plan.hpp"
#include "collectors/bench/prepare.hpp"
#include "collectors/gpu/gpu_collector.hpp"
#include "collectors/ollama/api.hpp"
#include "common/http_client.hpp"
#include "common/log.hpp"
#include "common/ollama_url.hpp"
#include "daemon/bench_report.hpp"
#include "daemon/config_source.hpp"

namespace llmon {

namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

// Blocking GET on the command's own io_context (nothing else runs there).
Expected<std::string> fetch(asio::io_context& io, const std::shared_ptr<HttpClient>& client,
                            const std::string& path, Duration timeout) {
  std::optional<Expected<HttpResponse>> out;
  client->request({"GET", path, ""}, timeout, [&](Expected<HttpResponse> r) { out = r; });
  io.restart();
  io.run();
  if (!out) return make_error("no answer");
  return ollama::ok_body("GET " + client->base_url() + path, std::move(*out));
}

// Samples the GPU every sample_interval on the pool, so runs get busy ratio and joules/token.
class GpuSampler {
 public:
  GpuSampler(asio::io_context& io, asio::thread_pool& pool, const GpuConfig& config)
      : io_(io), pool_(pool), monitor_(std::make_shared<gpu::GpuMonitor>(config)), timer_(io) {}
  std::shared_ptr<gpu::GpuMonitor> monitor() const { return monitor_; }
  // One full reading first: it picks the backend and the GPUs' order, which the counters the
  // runs read are keyed by.
  void start() {
    try {
      monitor_->collect_full();
    } catch (const std::exception&) {
      // No GPU data: runs simply report no energy.
    }
    tick();
  }
  void stop() {
    stopped_ = true;
    timer_.cancel();
  }

 private:
  void tick() {
    if (stopped_) return;
    asio::post(pool_, [this] {
      try {
        monitor_->collect_sample();
      } catch (const std::exception&) {
        // No GPU data: runs simply report no energy.
      }
      asio::post(io_, [this] {
        if (stopped_) return;
        timer_.expires_after(monitor_->config().sample_interval);
        timer_.async_wait([this](auto ec) {
          if (!ec) tick();
        });
      });
    });
  }
  asio::io_context& io_;
  asio::thread_pool& pool_;
  std::shared_ptr<gpu::GpuMonitor> monitor_;
  asio::steady_timer timer_;
  bool stopped_ = false;
};

}  // namespace

int run_bench_command(const Options& options) {
  auto config = ConfigSource::from(options).load();
  if (!config) {
    std::cerr << config.error().message << "\n";
    return 2;
  }
  set_log_level(spdlog::level::warn);
  const std::string url = options.ollama_url ? *options.ollama_url : config->ollama.front().url;
  auto address = parse_ollama_address(url);
  if (!address) {
    std::cerr << "llmon bench: --ollama: " << address.error().message << "\n";
    return 2;
  }
  auto prompts = bench::prepare_prompts(config->bench);
  if (!options.prompts.empty()) {
    std::vector<bench::PreparedPrompt> chosen;
    for (const std::string& name : options.prompts) {
      auto it = std::find_if(prompts.begin(), prompts.end(),
                             [&](const auto& p) { return p.prompt.name == name; });
      if (it == prompts.end()) {
        std::cerr << "llmon bench: unknown prompt '" << name << "'; available:";
        for (const auto& p : prompts) std::cerr << " " << p.prompt.name;
        std::cerr << "\n";
        return 2;
      }
      chosen.push_back(*it);
    }
    prompts = std::move(chosen);
  }

  asio::io_context io;
  asio::thread_pool pool(2);
  const auto timeout = config->ollama.front().timeout;
  auto client = HttpClient::create(io.get_executor(), address->host, address->port,
                                   static_cast<std::size_t>(config->ollama.front().max_body_bytes));
  auto ps_body = fetch(io, client, "/api/ps", timeout);
  if (!ps_body) {
    std::cerr << "llmon bench: cannot reach Ollama at " << address->url << ": "
              << ps_body.error().message << "\n";
    return 1;
  }
  auto ps = ollama::parse_ps(*ps_body);
  auto tags_body = fetch(io, client, "/api/tags", timeout);
  auto tags = tags_body ? ollama::parse_tags(*tags_body) : tags_body.error();
  if (!ps || !tags) {
    std::cerr << "llmon bench: Ollama at " << address->url
              << " answered unexpectedly: " << (!ps ? ps.error().message : tags.error().message)
              << "\n";
    return 1;
  }

  std::vector<std::string> wanted = options.models;
  if (wanted.empty()) {
    for (const auto& m : *ps) wanted.push_back(m.name);
    if (wanted.empty()) {
      std::cerr << "llmon bench: no model is loaded on " << address->url
                << "; name one with --model (and --allow-load to let llmon load it)\n";
      return 1;
    }
  }
  std::vector<ModelRuns> results;
  std::vector<bench::Target> targets;
  for (const std::string& name : wanted) {
    auto loaded = std::find_if(ps->begin(), ps->end(),
                               [&](const auto& m) { return m.name == name || m.model == name; });
    if (loaded != ps->end()) {
      results.push_back({loaded->name, true, {}});
      targets.push_back({loaded->name, bench::usable_num_ctx(loaded->context_length), {}});
      continue;
    }
    const bool available = std::any_of(tags->begin(), tags->end(), [&](const auto& m) {
      return m.name == name || m.model == name;
    });
    if (!available) {
      std::cerr << "llmon bench: model '" << name << "' is not available on " << address->url
                << " (see `ollama list`; `ollama pull " << name << "` fetches it)\n";
      return 1;
    }
    if (!options.allow_load) {
      std::cerr << "llmon bench: model '" << name << "' is not loaded on " << address->url
                << "; benchmarking it would load it, which can evict a model in use. Load it "
                   "yourself, or pass --allow-load\n";
      return 1;
    }
    std::cerr << "llmon bench: '" << name << "' is not loaded: it will be loaded now (the first "
              << "run includes the load time)\n";
    results.push_back({name, false, {}});
    targets.push_back({name, std::nullopt, {}});
  }

  // Embedding models cannot answer a prompt: leave them out (or refuse them when named).
  for (std::size_t i = 0; i < targets.size();) {
    std::optional<Expected<HttpResponse>> show;
    boost::json::object body{{"model", targets[i].model}};
    client->request({"POST", "/api/show", boost::json::serialize(body)}, timeout,
                    [&](Expected<HttpResponse> r) { show = r; });
    io.restart();
    io.run();
    ollama::ShowInfo info;
    if (show && *show && (**show).status == 200) {
      if (auto parsed = ollama::parse_show((**show).body)) info = *parsed;
    }
    const std::vector<std::string>& caps = info.capabilities;
    targets[i].traits = bench::model_traits(info);
    if (targets[i].traits.can_generate) {
      ++i;
      continue;
    }
    std::string list;
    for (const auto& c : caps) list += (list.empty() ? "" : ", ") + c;
    if (!options.models.empty()) {
      std::cerr << "llmon bench: model '" << targets[i].model << "' cannot generate text (" << list
                << ")\n";
      return 1;
    }
    std::cerr << "llmon bench: skipping " << targets[i].model << ": it cannot generate text ("
              << list << ")\n";
    targets.erase(targets.begin() + static_cast<std::ptrdiff_t>(i));
    results.erase(results.begin() + static_cast<std::ptrdiff_t>(i));
  }
  if (results.empty()) {
    std::cerr << "llmon bench: no loaded model can generate text on " << address->url << "\n";
    return 1;
  }

  GpuSampler sampler(io, pool, config->gpu);
  if (config->gpu.backend != "none") sampler.start();
  const bool progress = ::isatty(STDERR_FILENO) != 0;
  const std::size_t total =
      results.size() * prompts.size() * static_cast<std::size_t>(options.runs);
  std::size_t done_count = 0;
  bool all_ok = true;
  std::mt19937_64 rng(std::random_device{}());
  const auto started = Clock::now();
  for (std::size_t mi = 0; mi < results.size(); ++mi) {
    for (const auto& prompt : prompts) {
      for (int run = 1; run <= options.runs; ++run) {
        ++done_count;
        if (progress) {
          const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
          std::cerr << "\r\033[K[" << done_count << "/" << total << "] " << results[mi].model
                    << "  " << prompt.prompt.name << "  run " << run << "/" << options.runs << "  "
                    << static_cast<int>(elapsed) << "s elapsed" << std::flush;
        }
        std::optional<bench::RunResult> result;
        // The answer check hops to the pool and back: keep io.run() going until `done`.
        auto work = asio::make_work_guard(io);
        bench::run_prompt(bench::RunEnv{io.get_executor(), &pool}, client, targets[mi], prompt,
                          config->bench.timeout, sampler.monitor(), rng, [&](bench::RunResult r) {
                            result = std::move(r);
                            work.reset();
                            io.stop();
                          });
        io.restart();
        io.run();
        if (!result) continue;
        if (result->outcome != bench::Outcome::kOk) all_ok = false;
        if (!result->measurement.impossible.empty()) {
          if (progress) std::cerr << "\r\033[K";
          std::cerr << "llmon bench: " << results[mi].model << " " << prompt.prompt.name << " run "
                    << run << ": Ollama reported impossible values, not measured: "
                    << result->measurement.impossible << "\n";
        }
        results[mi].runs.push_back({prompt.prompt.name, run, std::move(*result)});
      }
    }
  }
  sampler.stop();
  if (progress) std::cerr << "\r\033[K";
  io.restart();
  io.poll();
  pool.join();
  std::cout << render_bench_report(address->url, results, options.format, options.runs > 1);
  return all_ok ? 0 : 3;
}

}  // namespace llmon
