#include "daemon/app.hpp"

#include <malloc.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <condition_variable>
#include <csignal>
#include <ctime>
#include <iostream>
#include <mutex>
#include <thread>

#include "collectors/registry.hpp"
#include "common/clock.hpp"
#include "common/host_port.hpp"
#include "common/log.hpp"
#include "daemon/scheduler.hpp"
#include "daemon/sd_notify.hpp"
#include "exporters/http_server.hpp"
#include "exporters/listen_address.hpp"
#include "exporters/tls_loader.hpp"
#include "llmon/version.hpp"

namespace llmon {

namespace asio = boost::asio;

namespace {

std::string endpoint_text(const asio::ip::tcp::endpoint& ep) {
  return host_port(ep.address().to_string(), ep.port());
}

constexpr auto kShutdownGrace = std::chrono::milliseconds(1500);
constexpr int kWorkerThreads = 3;

void notify_systemd(const std::string& state) { sd_notify_send(state); }

// systemd 253+ wants CLOCK_MONOTONIC with RELOADING=1 (Type=notify-reload); 252 ignores it.
std::string reloading_message() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  const auto usec = static_cast<long long>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
  return "RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec);
}

// TLS context and authenticator for [web]: built at start and on every reload, so that rotated
// certificate files and changed users take effect; null when off.
struct WebSecurity {
  std::shared_ptr<const TlsContext> tls;
  std::shared_ptr<Authenticator> auth;
};

Expected<WebSecurity> make_security(const WebConfig& web, asio::any_io_executor verify_on) {
  WebSecurity security;
  if (web.tls.enabled()) {
    auto tls = load_tls_context(web.tls.settings());
    if (!tls) return make_error("web.tls: " + tls.error().message);
    security.tls = std::move(tls).value();
  }
  if (!web.basic_auth_users.empty()) {
    security.auth = std::make_shared<Authenticator>(web.basic_auth_users, std::move(verify_on));
  }
  return security;
}

void log_security(const WebSecurity& security) {
  auto log = logger("daemon");
  if (security.tls) log->info("TLS on: {}", security.tls->describe());
  if (security.auth) {
    log->info("basic auth on: {} user(s); /healthz stays open", security.auth->user_count());
    if (!security.tls) {
      log->warn("basic auth without TLS: passwords cross the network in clear text");
    }
  }
}

class Daemon {
 public:
  Daemon(ConfigSource source, Config config)
      : source_(std::move(source)), config_(std::move(config)), scheduler_(io_, pool_, store_) {}

  int run() {
    auto log = logger("daemon");
    auto endpoint = parse_listen_address(config_.web.listen);
    auto security = make_security(config_.web, pool_.get_executor());
    if (!security) {
      log->error("{}", security.error().message);
      return 1;
    }
    try {
      server_ = make_server(endpoint.value(), config_.web, *security);
    } catch (const std::exception& e) {
      log->error("cannot listen on {}: {}", config_.web.listen, e.what());
      return 1;
    }
    log_security(*security);
    reload_ts_ = unix_now();
    publish_self();
    scheduler_.start(make_collectors(config_));
    signals_.async_wait([this](auto ec, int sig) { on_signal(ec, sig); });
    const std::string where = source_.describe();
    log->info("llmon {} listening on {} ({})", kVersion, endpoint_text(server_->local_endpoint()),
              where.empty() ? "built-in defaults" : "configuration " + where);
    notify_systemd("READY=1\nSTATUS=" + status_line());
    start_watchdog();
    // A bug that throws out of one handler must not take the daemon down: log it and go on.
    for (;;) {
      try {
        io_.run();
        break;
      } catch (const std::exception& e) {
        log->error("unexpected error on the network thread: {}", e.what());
      }
    }
    finish_workers();
    log->info("stopped");
    return 0;
  }

 private:
  std::unique_ptr<HttpServer> make_server(const asio::ip::tcp::endpoint& endpoint,
                                          const WebConfig& web, const WebSecurity& security) {
    auto server = std::make_unique<HttpServer>(
        io_, endpoint, store_.source(), [this] { return !stopping_; }, http_limits(web));
    server->set_security(security.tls, security.auth);
    server->start();
    return server;
  }

  void on_signal(const boost::system::error_code& ec, int sig) {
    if (ec) return;
    if (sig == SIGHUP) {
      reload();
      signals_.async_wait([this](auto e, int s) { on_signal(e, s); });
      return;
    }
    logger("daemon")->info("received {}, stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    shutdown();
  }

  // Pinged from this (the network) thread only: if the event loop wedges, the pings stop and
  // systemd restarts the daemon; a stuck collector on the pool does not count.
  void start_watchdog() {
    const auto interval = sd_watchdog_interval();
    if (!interval) return;
    watchdog_period_ = *interval / 2;
    logger("daemon")->debug("pinging the systemd watchdog every {} ms",
                            watchdog_period_.count() / 1000);
    ping_watchdog();
  }

  void ping_watchdog() {
    notify_systemd("WATCHDOG=1");
    watchdog_timer_.expires_after(watchdog_period_);
    watchdog_timer_.async_wait([this](auto ec) {
      if (!ec && !stopping_) ping_watchdog();
    });
  }

  std::string status_line() const {
    std::string s = "serving on " + endpoint_text(server_->local_endpoint());
    if (!reload_ok_) s += "; the last reload failed, running the previous configuration";
    return s;
  }

  void reload() {
    auto log = logger("daemon");
    notify_systemd(reloading_message());
    auto next = source_.load();
    // Certificate files are read again even when the configuration is unchanged: that is how a
    // rotated certificate is picked up. A bad one fails the reload and the old one stays.
    Expected<WebSecurity> security = make_error("");
    if (next) {
      security = make_security(next->web, pool_.get_executor());
      if (!security) next = security.error();
    }
    if (next && next->web.listen != config_.web.listen) {
      try {
        auto server =
            make_server(parse_listen_address(next->web.listen).value(), next->web, *security);
        server_->stop();
        retired_.push_back(std::move(server_));
        server_ = std::move(server);
      } catch (const std::exception& e) {
        next = make_error(e.what());
      }
    } else if (next) {
      server_->set_security(security->tls, security->auth);
      const HttpLimits limits = http_limits(next->web);
      server_->set_connection_caps(limits.max_connections, limits.max_connections_per_client);
    }
    if (!next) {
      reload_ok_ = false;
      log->error("configuration reload failed, keeping the running configuration:\n{}",
                 next.error().message);
    } else {
      config_ = std::move(next).value();
      set_log_level(parse_log_level(config_.log.level).value());
      scheduler_.start(make_collectors(config_));
      reload_ok_ = true;
      reload_ts_ = unix_now();
      log->info("configuration reloaded (listening on {})",
                endpoint_text(server_->local_endpoint()));
      log_security(*security);
    }
    publish_self();
    notify_systemd("READY=1\nSTATUS=" + status_line());
  }

  void shutdown() {
    if (stopping_) return;
    stopping_ = true;
    notify_systemd("STOPPING=1\nSTATUS=stopping");
    signals_.cancel();
    watchdog_timer_.cancel();
    scheduler_.stop();
    server_->stop();
    for (auto& s : retired_) s->stop();
    // In-flight responses get a grace period; whatever is still open after it is dropped.
    grace_timer_.expires_after(kShutdownGrace);
    grace_timer_.async_wait([this](auto) { io_.stop(); });
    // Every server, including ones retired by a reload, must be idle before the loop stops.
    auto pending = std::make_shared<std::size_t>(1 + retired_.size());
    auto one_idle = [this, pending] {
      if (--*pending == 0) io_.stop();
    };
    server_->async_wait_idle(one_idle);
    for (auto& s : retired_) s->async_wait_idle(one_idle);
  }

  // Collectors may be blocked in a read (a hung sysfs file, a stuck library call); the
  // process must still exit promptly, so wait for the pool only briefly.
  void finish_workers() {
    pool_.stop();
    std::mutex m;
    std::condition_variable cv;
    bool joined = false;
    std::thread joiner([&] {
      pool_.join();
      std::lock_guard lock(m);
      joined = true;
      cv.notify_one();
    });
    std::unique_lock lock(m);
    if (!cv.wait_for(lock, std::chrono::milliseconds(400), [&] { return joined; })) {
      logger("daemon")->warn("a collector is still running; exiting without waiting for it");
      lock.unlock();
      joiner.detach();
      std::_Exit(0);
    }
    lock.unlock();
    joiner.join();
  }

  void publish_self() { store_.publish(kSelfSlot, self_families(reload_ok_, reload_ts_)); }

  ConfigSource source_;
  Config config_;
  asio::io_context io_{1};
  asio::thread_pool pool_{kWorkerThreads};
  SnapshotStore store_;
  Scheduler scheduler_;
  std::unique_ptr<HttpServer> server_;
  std::vector<std::unique_ptr<HttpServer>> retired_;
  asio::signal_set signals_{io_, SIGINT, SIGTERM, SIGHUP};
  asio::steady_timer grace_timer_{io_};
  asio::steady_timer watchdog_timer_{io_};
  std::chrono::microseconds watchdog_period_{0};
  bool stopping_ = false;
  bool reload_ok_ = true;
  std::optional<double> reload_ts_;
};

}  // namespace

int run_daemon(const ConfigSource& source) {
  auto config = source.load();
  if (!config) {
    std::cerr << config.error().message << "\nllmon: refusing to start with an invalid "
              << "configuration\n";
    return 2;
  }
  set_log_level(parse_log_level(config->log.level).value());
  // glibc gives each thread that allocates its own arena (the network thread and 3 workers):
  // measured at ~450 KiB of resident memory that one shared arena does not need. Allocation is
  // rare and small here, and per-thread caches (tcache) keep it mostly lock-free anyway.
  mallopt(M_ARENA_MAX, 1);
  Daemon daemon(source, std::move(config).value());
  return daemon.run();
}

}  // namespace llmon
