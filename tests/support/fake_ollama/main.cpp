// fake_ollama --scenario FILE [--listen 127.0.0.1:0]
//
// Prints exactly one line, "fake_ollama listening on HOST:PORT", to stderr once it accepts
// connections (tests wait for it). SIGHUP re-reads the scenario file; SIGTERM and SIGINT exit 0.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <cstdio>
#include <exception>
#include <iostream>
#include <sstream>
#include <string>

#include "fake_server.hpp"

namespace {

constexpr const char* kUsage =
    "usage: fake_ollama --scenario FILE [--listen HOST:PORT]\n"
    "  A fake Ollama server for tests; see tests/fixtures/ollama/README.md.\n"
    "  --listen defaults to 127.0.0.1:0 (a free port, printed on stderr).\n";

struct Options {
  std::string scenario;
  std::string listen = "127.0.0.1:0";
};

bool parse_args(int argc, char** argv, Options& options) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if ((arg == "--scenario" || arg == "--listen") && i + 1 < argc) {
      (arg == "--scenario" ? options.scenario : options.listen) = argv[++i];
    } else if (arg.rfind("--scenario=", 0) == 0) {
      options.scenario = arg.substr(11);
    } else if (arg.rfind("--listen=", 0) == 0) {
      options.listen = arg.substr(9);
    } else {
      return false;
    }
  }
  return !options.scenario.empty();
}

void wait_for_signals(boost::asio::signal_set& signals, boost::asio::io_context& ioc,
                      fake_ollama::FakeServer& server) {
  signals.async_wait([&](boost::system::error_code ec, int signal) {
    if (ec) return;
    if (signal == SIGHUP) {
      const std::string error = server.reload();
      if (!error.empty()) std::cerr << "fake_ollama: scenario not reloaded: " << error << std::endl;
      return wait_for_signals(signals, ioc, server);
    }
    server.stop();
    ioc.stop();
  });
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!parse_args(argc, argv, options)) {
    std::cerr << kUsage;
    return 2;
  }
  // A client vanishing mid-write must be an error code, not a signal that kills the fake.
  std::signal(SIGPIPE, SIG_IGN);
  try {
    auto loaded = fake_ollama::load_scenario_file(options.scenario);
    if (!loaded.scenario) {
      std::cerr << "fake_ollama: " << loaded.error << std::endl;
      return 2;
    }
    const auto endpoint = fake_ollama::parse_listen_address(options.listen);
    boost::asio::io_context ioc(1);
    fake_ollama::FakeServer server(ioc, std::move(*loaded.scenario), options.scenario);
    server.start(endpoint);
    boost::asio::signal_set signals(ioc, SIGHUP, SIGTERM, SIGINT);
    wait_for_signals(signals, ioc, server);
    std::ostringstream bound;
    bound << server.local_endpoint();
    std::cerr << "fake_ollama listening on " << bound.str() << std::endl;
    ioc.run();
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "fake_ollama: " << e.what() << std::endl;
    return 1;
  }
}
