#include "collectors/ollama/ollama_collector.hpp"

#include <boost/asio/post.hpp>
#include <boost/json.hpp>
#include <map>

#include "collectors/ollama/families.hpp"
#include "collectors/ollama/model_limits.hpp"
#include "collectors/ollama/process_discovery.hpp"
#include "collectors/ollama/registry.hpp"
#include "common/clock.hpp"
#include "common/http_client.hpp"
#include "common/label_value.hpp"
#include "common/log.hpp"
#include "common/ollama_url.hpp"

namespace llmon::ollama {

namespace {

namespace asio = boost::asio;

// Bounds the /api/show requests of one poll (a server with many models loaded at once).
constexpr std::size_t kMaxShowPerPoll = 16;

class OllamaCollector final : public Collector {
 public:
  OllamaCollector(OllamaConfig config, OllamaAddress address, std::filesystem::path procfs_root,
                  std::shared_ptr<InstanceRegistry> registry)
      : config_(std::move(config)),
        address_(std::move(address)),
        procfs_root_(std::move(procfs_root)),
        registry_(std::move(registry)) {}

  std::string name() const override { return "ollama/" + config_.name; }
  Duration interval() const override { return config_.interval; }
  // The run itself stops each request at config.timeout; this is only the safety net.
  Duration timeout() const override { return config_.timeout * 3 + std::chrono::seconds(1); }
  bool is_async() const override { return true; }
  CollectResult collect() override { throw std::logic_error("ollama collector is asynchronous"); }

  void async_collect(RunContext ctx, Done done) override {
    if (!client_) {
      client_ = HttpClient::create(ctx.io.get_executor(), address_.host, address_.port,
                                   static_cast<std::size_t>(config_.max_body_bytes));
    }
    auto run = std::make_shared<Run>(Run{ctx, std::move(done), {}, {}, {}});
    run->poll.instance = config_.name;
    get(run, "/api/version", [this, run](const std::string& body) {
      auto version = parse_version(body);
      if (!version) return down(run, version.error().message);
      run->poll.version = *version;
      get(run, "/api/ps", [this, run](const std::string& body) {
        auto ps = parse_ps(body, kMaxLoadedModels);
        if (!ps) return down(run, ps.error().message);
        run->poll.loaded = std::move(ps->models);
        run->poll.loaded_left_out = ps->left_out;
        get(run, "/api/tags", [this, run](const std::string& body) {
          auto tags = parse_tags(body);
          if (!tags) return down(run, tags.error().message);
          run->poll.available = std::move(tags).value();
          run->poll.up = true;
          show_next(run, 0);
        });
      });
    });
  }

  void cancel() override {
    if (client_) client_->cancel();
  }

 private:
  struct Run {
    RunContext ctx;
    Done done;
    PollResult poll;
    std::string problem;
    std::optional<ServerProcess> server;
  };

  template <typename OnBody>
  void get(const std::shared_ptr<Run>& run, const std::string& path, OnBody on_body) {
    client_->request({"GET", path, ""}, config_.timeout,
                     [this, run, path, on_body](Expected<HttpResponse> response) {
                       auto body = ok_body("GET " + address_.url + path, std::move(response));
                       if (!body) return down(run, body.error().message);
                       on_body(*body);
                     });
  }

  void down(const std::shared_ptr<Run>& run, const std::string& problem) {
    run->poll = PollResult{config_.name, false, {}, {}, {}, {}};
    run->problem = "Ollama at " + address_.url + " is down or unhealthy: " + problem;
    read_process(run);
  }

  // /api/show for each loaded model not seen before (by digest): its weights blob lets the
  // tuning checks tell which runner process serves which model. Failures leave it unknown.
  void show_next(const std::shared_ptr<Run>& run, std::size_t index) {
    const auto& loaded = run->poll.loaded;
    while (index < loaded.size() && shown_.count(loaded[index].digest) != 0) ++index;
    if (index >= loaded.size() || index >= kMaxShowPerPoll) return read_process(run);
    const std::string model = loaded[index].name;
    const std::string digest = loaded[index].digest;
    const std::string body = boost::json::serialize(boost::json::object{{"model", model}});
    client_->request({"POST", "/api/show", body}, config_.timeout,
                     [this, run, index, digest](Expected<HttpResponse> response) {
                       if (response && response->status == 200) {
                         if (auto parsed = parse_show(response->body)) {
                           ShowInfo info = std::move(parsed).value();
                           shown_[digest] = ModelShow{std::move(info.capabilities),
                                                      std::move(info.weights_digest)};
                         }
                       }
                       show_next(run, index + 1);
                     });
  }

  // Process discovery reads procfs: blocking, so it runs on the worker pool.
  void read_process(const std::shared_ptr<Run>& run) {
    if (config_.process.empty()) return finish(run);
    asio::post(run->ctx.pool, [this, run] {
      std::optional<proc::ProcessUsage> usage;
      try {
        usage = find_process();
      } catch (const std::exception& e) {
        logger("ollama")->debug("{}: process metrics unavailable: {}", config_.name, e.what());
      }
      std::optional<ServerProcess> server;
      if (usage && cached_pid_) server = ServerProcess{*cached_pid_, usage->start_time_seconds};
      asio::post(run->ctx.io, [this, run, usage = std::move(usage), server]() mutable {
        run->poll.process = std::move(usage);
        run->server = server;
        finish(run);
      });
    });
  }

  // Re-validates the cached pid by its start time (cheap) before scanning procfs again.
  std::optional<proc::ProcessUsage> find_process() {
    if (cached_pid_) {
      try {
        auto usage = proc::read_process_usage(procfs_root_, std::to_string(*cached_pid_));
        if (usage.start_time_seconds == cached_start_) return usage;
      } catch (const std::exception&) {
      }
      cached_pid_.reset();
    }
    auto pid = discover_ollama_pid(procfs_root_, address_.host, address_.port, config_.process);
    if (!pid) return std::nullopt;
    auto usage = proc::read_process_usage(procfs_root_, std::to_string(*pid));
    cached_pid_ = *pid;
    cached_start_ = usage.start_time_seconds;
    return usage;
  }

  void finish(const std::shared_ptr<Run>& run) {
    if (run->poll.up) {
      tracker_.observe(run->poll.loaded);
      left_out_total_ += run->poll.loaded_left_out;
      log_left_out(run->poll);
      log_impossible(run->poll);
    }
    run->poll.dropped_models_total = left_out_total_ + tracker_.forgotten();
    InstanceUpdate update{run->poll.up, run->poll.version, run->poll.loaded, run->poll.available,
                          {},           run->server};
    for (const LoadedModel& m : run->poll.loaded) {
      if (auto it = shown_.find(m.digest); it != shown_.end()) update.shown[m.name] = it->second;
    }
    // Forget models no longer loaded, so the cache stays as small as /api/ps.
    std::erase_if(shown_, [&](const auto& entry) {
      return std::none_of(run->poll.loaded.begin(), run->poll.loaded.end(),
                          [&](const LoadedModel& m) { return m.digest == entry.first; });
    });
    registry_->update(config_.name, std::move(update));
    CollectResult result(ollama_families(run->poll, tracker_.counters(), unix_now()));
    if (!run->poll.up) result.degraded = run->problem;
    auto done = std::move(run->done);
    done(nullptr, std::move(result));
  }

  // One line when /api/ps starts (or stops) listing more models than are exported.
  void log_left_out(const PollResult& poll) {
    const bool now = poll.loaded_left_out > 0;
    if (now == left_out_) return;
    left_out_ = now;
    if (now) {
      logger("ollama")->warn(
          "{}: /api/ps lists {} models; only the {} whose names sort first are exported, the "
          "others are counted in llmon_ollama_dropped_models_total",
          name(), poll.loaded.size() + poll.loaded_left_out, kMaxLoadedModels);
    } else {
      logger("ollama")->info("{}: /api/ps lists no more models than are exported", name());
    }
  }

  // One line when the instance starts (or stops) reporting impossible values (api.hpp
  // kMaxPlausible*), which are absent from the exposition.
  void log_impossible(const PollResult& poll) {
    std::string first;
    std::size_t models = 0;
    auto look = [&](const auto& list) {
      for (const auto& m : list) {
        if (m.impossible.empty()) continue;
        if (models++ == 0) first = label_value(m.name) + ": " + m.impossible;
      }
    };
    look(poll.loaded);
    if (poll.available) look(*poll.available);
    const bool now = models > 0;
    if (now == impossible_) return;
    impossible_ = now;
    if (now) {
      logger("ollama")->warn(
          "{}: Ollama reported impossible values, not exported: {}{}", name(), first,
          models > 1 ? " (and " + std::to_string(models - 1) + " more models)" : std::string());
    } else {
      logger("ollama")->info("{}: Ollama's values are plausible again", name());
    }
  }

  OllamaConfig config_;
  OllamaAddress address_;
  std::filesystem::path procfs_root_;
  std::shared_ptr<InstanceRegistry> registry_;
  std::shared_ptr<HttpClient> client_;
  LoadTracker tracker_;
  std::map<std::string, ModelShow> shown_;  // by model digest; io thread only
  std::optional<int> cached_pid_;           // touched only on the pool, never concurrently
  std::optional<double> cached_start_;
  std::uint64_t left_out_total_ = 0;  // /api/ps entries beyond kMaxLoadedModels, all polls
  bool left_out_ = false;             // the last successful poll left some out
  bool impossible_ = false;           // the last successful poll had impossible values
};

}  // namespace

std::vector<std::unique_ptr<Collector>> make_ollama_collectors(const SourcesConfig& config,
                                                               Services& services) {
  std::vector<std::unique_ptr<Collector>> out;
  for (const OllamaConfig& o : config.ollama) {
    auto address = parse_ollama_address(o.url);
    if (!address) continue;  // the configuration was validated; this cannot happen
    services.ollama->declare(o.name, *address);
    out.push_back(
        std::make_unique<OllamaCollector>(o, *address, config.host.procfs_root, services.ollama));
  }
  return out;
}

}  // namespace llmon::ollama
