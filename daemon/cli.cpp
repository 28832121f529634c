#include "daemon/cli.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <iostream>

#include "collectors/registry.hpp"
#include "common/log.hpp"
#include "daemon/app.hpp"
#include "daemon/bench_command.hpp"
#include "daemon/config_source.hpp"
#include "daemon/doctor_command.hpp"
#include "daemon/help.hpp"
#include "daemon/options.hpp"
#include "daemon/run_once.hpp"
#include "daemon/scheduler.hpp"
#include "exporters/snapshot_store.hpp"
#include "llmon/version.hpp"

namespace llmon {

namespace {

constexpr int kExitUsage = 2;

int check_config(const Options& options) {
  auto config = load_config(*options.config_path);
  if (!config) {
    std::cerr << config.error().message << "\n";
    std::cerr << *options.config_path << ": configuration is NOT valid\n";
    return kExitUsage;
  }
  std::cout << "# " << *options.config_path << ": configuration is valid; effective values:\n"
            << render_config(*config);
  return 0;
}

int collect_once(const Options& options) {
  auto loaded = ConfigSource::from(options).load();
  if (!loaded) {
    std::cerr << loaded.error().message << "\n";
    return kExitUsage;
  }
  Config config = std::move(loaded).value();
  set_log_level(parse_log_level(config.log.level).value());
  // A whole suite of generations takes minutes: only when asked for, whatever [bench] says.
  config.bench.enabled = options.bench;
  boost::asio::io_context io;
  boost::asio::thread_pool pool(2);
  std::map<std::string, MetricFamilies> slots;
  std::vector<CollectorStatus> statuses;
  bool all_ok = true;
  for (const auto& collector : make_collectors(config, Purpose::kOneShot)) {
    const auto start = std::chrono::steady_clock::now();
    bool ok = true;
    try {
      CollectResult result = run_once(*collector, io, pool);
      // A degraded source (Ollama down) is reported in the metrics themselves: not a failure.
      if (result.degraded) std::cerr << collector->name() << ": " << *result.degraded << "\n";
      slots[collector->name()] = std::move(result.families);
    } catch (const std::exception& e) {
      ok = all_ok = false;
      std::cerr << "collector " << collector->name() << " failed: " << e.what() << "\n";
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    // No interval: a one-shot run has none (a textfile feed runs at its cron's pace).
    statuses.push_back({collector->name(), ok, seconds, std::nullopt, 0});
  }
  pool.join();
  slots[kSchedulerSlot] = collector_status_families(statuses);
  slots[kSelfSlot] = self_families(true, std::nullopt);
  std::cout << render_text(merge_and_sort(slots));
  return all_ok ? 0 : 1;
}

// After a usage error: the command's synopsis when the command is known, else the overview.
std::string usage_after_error(const std::vector<std::string>& args) {
  if (!args.empty()) {
    if (const help::Command* c = help::find_command(args[0])) {
      return "usage: " + help::synopsis(*c) + "Run 'llmon " + args[0] +
             " --help' for its options.\n";
    }
  }
  return help::general_text();
}

}  // namespace

int cli_main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto options = parse_options(args);
  if (!options) {
    std::cerr << "llmon: " << options.error().message << "\n\n" << usage_after_error(args);
    return kExitUsage;
  }
  try {
    switch (options->command) {
      case Options::Command::kHelp:
        std::cout << help_text(*options);
        return 0;
      case Options::Command::kManPage:
        std::cout << help::man_page(kVersion);
        return 0;
      case Options::Command::kVersion:
        std::cout << "llmon " << kVersion << " (revision " << kRevision << ")\n";
        return 0;
      case Options::Command::kCheckConfig:
        return check_config(*options);
      case Options::Command::kCollect:
        return collect_once(*options);
      case Options::Command::kBench:
        return run_bench_command(*options);
      case Options::Command::kDoctor:
        return run_doctor_command(*options);
      case Options::Command::kServe:
        return run_daemon(ConfigSource::from(*options));
    }
  } catch (const std::exception& e) {
    std::cerr << "llmon: " << e.what() << "\n";
    return 1;
  }
  return 1;
}

}  // namespace llmon
