// prometheus_cpp_exposer: the comparison server for bench/scrape_bench.sh. It serves, with
// prometheus-cpp's own Exposer (civetweb), gauges that mirror another exporter's exposition: one
// gauge per sample line of a text-format file (same names, labels and values), so that the
// response is about the same size and series count as llmon's. Not part of llmon.
//
//   prometheus_cpp_exposer LISTEN THREADS MODE SOURCE
//     LISTEN   civetweb listening_ports value, e.g. 127.0.0.1:9100 (port 0: any free port)
//     THREADS  civetweb worker threads (civetweb serves one connection per thread)
//     MODE     default: the options prometheus::Exposer(bind_address, threads) passes, under
//              which civetweb closes the connection after every response;
//              keepalive: also enable_keep_alive=yes and tcp_nodelay=1 (without TCP_NODELAY a
//              kept-alive connection stalls ~40 ms per response: civetweb writes the headers
//              and the body separately, and Nagle holds the body back until the delayed ACK)
//     SOURCE   a text exposition to mirror, or a number N for N synthetic gauges
//
// Prints "listening on 127.0.0.1:PORT (N series)" on stderr once serving; runs until SIGTERM or
// SIGINT.
#include <prometheus/exposer.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <csignal>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

bool is_name_char(char c, bool first) {
  const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
  return alpha || (!first && c >= '0' && c <= '9');
}

// Parses `name{label="value",...} value [timestamp]`; nullopt for anything else.
std::optional<Sample> parse_sample(std::string_view line) {
  Sample s;
  std::size_t i = 0;
  while (i < line.size() && is_name_char(line[i], i == 0)) ++i;
  if (i == 0) return std::nullopt;
  s.name = std::string(line.substr(0, i));
  if (i < line.size() && line[i] == '{') {
    ++i;
    for (;;) {
      while (i < line.size() && (line[i] == ' ' || line[i] == ',')) ++i;
      if (i >= line.size()) return std::nullopt;
      if (line[i] == '}') {
        ++i;
        break;
      }
      const std::size_t start = i;
      while (i < line.size() && is_name_char(line[i], i == start)) ++i;
      std::string key(line.substr(start, i - start));
      if (key.empty() || i + 1 >= line.size() || line[i] != '=' || line[i + 1] != '"') {
        return std::nullopt;
      }
      i += 2;
      std::string value;
      for (; i < line.size() && line[i] != '"'; ++i) {
        if (line[i] == '\\' && i + 1 < line.size()) {
          ++i;
          value += line[i] == 'n' ? '\n' : line[i];
        } else {
          value += line[i];
        }
      }
      if (i >= line.size()) return std::nullopt;
      ++i;  // closing quote
      s.labels.emplace(std::move(key), std::move(value));
    }
  }
  while (i < line.size() && line[i] == ' ') ++i;
  const std::string rest(line.substr(i));
  char* end = nullptr;
  s.value = std::strtod(rest.c_str(), &end);
  if (end == rest.c_str()) return std::nullopt;
  return s;
}

// Registers one gauge per sample line of `path`; returns how many series were registered.
std::size_t mirror_exposition(const std::string& path, prometheus::Registry& registry) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::map<std::string, std::string> help;
  std::map<std::string, prometheus::Family<prometheus::Gauge>*> families;
  std::size_t series = 0;
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("# HELP ", 0) == 0) {
      const auto rest = line.substr(7);
      const auto space = rest.find(' ');
      help[rest.substr(0, space)] = space == std::string::npos ? "" : rest.substr(space + 1);
      continue;
    }
    if (line.empty() || line[0] == '#') continue;
    auto sample = parse_sample(line);
    if (!sample) continue;
    try {
      auto& family = families[sample->name];
      if (family == nullptr) {
        auto h = help.find(sample->name);
        family = &prometheus::BuildGauge()
                      .Name(sample->name)
                      .Help(h != help.end() ? h->second : "mirrors " + sample->name)
                      .Register(registry);
      }
      family->Add(sample->labels).Set(sample->value);
      ++series;
    } catch (const std::exception& e) {
      std::cerr << "skipping " << sample->name << ": " << e.what() << "\n";
    }
  }
  return series;
}

// N gauges in families of 8 series each, with two labels, values like a GPU exporter's.
std::size_t synthetic(std::size_t n, prometheus::Registry& registry) {
  prometheus::Family<prometheus::Gauge>* family = nullptr;
  for (std::size_t i = 0; i < n; ++i) {
    if (i % 8 == 0) {
      family = &prometheus::BuildGauge()
                    .Name("bench_synthetic_metric_" + std::to_string(i / 8))
                    .Help("A synthetic gauge for the scrape benchmark.")
                    .Register(registry);
    }
    family->Add({{"card", "card" + std::to_string(i % 2)}, {"sensor", "s" + std::to_string(i % 8)}})
        .Set(static_cast<double>(i) * 1234.5678);
  }
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: " << argv[0] << " LISTEN THREADS default|keepalive FILE|N\n";
    return 2;
  }
  // Block the stop signals before civetweb starts its threads, so only sigwait() sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  try {
    auto registry = std::make_shared<prometheus::Registry>();
    const std::string source = argv[4];
    const bool numeric = source.find_first_not_of("0123456789") == std::string::npos;
    const std::size_t series =
        numeric ? synthetic(std::stoul(source), *registry) : mirror_exposition(source, *registry);

    const std::string mode = argv[3];
    std::vector<std::string> options{"listening_ports", argv[1], "num_threads", argv[2]};
    if (mode == "keepalive") {
      options.insert(options.end(), {"enable_keep_alive", "yes", "tcp_nodelay", "1"});
    } else if (mode != "default") {
      throw std::runtime_error("MODE must be default or keepalive, not " + mode);
    }
    prometheus::Exposer exposer(std::move(options));
    exposer.RegisterCollectable(registry);
    const auto ports = exposer.GetListeningPorts();
    if (ports.empty()) throw std::runtime_error("civetweb reports no listening port");
    std::cerr << "listening on 127.0.0.1:" << ports.front() << " (" << series << " series)"
              << std::endl;

    int sig = 0;
    sigwait(&stop_signals, &sig);
  } catch (const std::exception& e) {
    std::cerr << "prometheus_cpp_exposer: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
