#include "common/config.hpp"

#include <cctype>
#include <regex>
#include <sstream>

#include "common/config_reader.hpp"
#include "common/fs.hpp"
#include "common/log.hpp"
#include "common/ollama_url.hpp"
#include "exporters/listen_address.hpp"

namespace llmon {

namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;

constexpr milliseconds kMinInterval{100};

void read_web(const TableReader& t, WebConfig& web) {
  t.reject_unknown({"listen"});
  t.get("listen", web.listen);
  if (auto endpoint = parse_listen_address(web.listen); !endpoint) {
    if (const toml::node* node = t.raw().get("listen")) {
      t.errors().add(node->source(), "web.listen: " + endpoint.error().message);
    }
  }
}

void read_log(const TableReader& t, LogConfig& log) {
  t.reject_unknown({"level"});
  t.get_enum("level", log.level, {"trace", "debug", "info", "warn", "error"});
}

void read_gpu(const TableReader& t, GpuConfig& gpu) {
  t.reject_unknown({"backend", "sysfs_root", "rocm_smi_library", "interval", "sample_interval"});
  t.get_enum("backend", gpu.backend, {"auto", "rocm_smi", "sysfs", "none"});
  t.get("sysfs_root", gpu.sysfs_root);
  t.get("rocm_smi_library", gpu.rocm_smi_library);
  t.get("interval", gpu.interval, kMinInterval, hours(1));
  t.get("sample_interval", gpu.sample_interval, kMinInterval, minutes(1));
  if (gpu.sample_interval > gpu.interval) {
    const toml::node* node = t.raw().get("sample_interval");
    if (node == nullptr) node = t.raw().get("interval");
    if (node != nullptr) {
      t.errors().add(node->source(), "gpu.sample_interval (" +
                                         format_duration(gpu.sample_interval) +
                                         ") must not be longer than gpu.interval (" +
                                         format_duration(gpu.interval) + ")");
    }
  }
}

void read_host(const TableReader& t, HostConfig& host) {
  t.reject_unknown({"procfs_root", "interval"});
  t.get("procfs_root", host.procfs_root);
  t.get("interval", host.interval, kMinInterval, hours(1));
}

bool valid_instance_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') {
      return false;
    }
  }
  return true;
}

void read_ollama(const TableReader& top, std::vector<OllamaConfig>& out) {
  const auto tables = top.tables("ollama");
  if (!tables) return;
  out.clear();
  std::size_t index = 0;
  for (const toml::table* element : *tables) {
    const toml::table& table = *element;
    const TableReader t(table, "ollama[" + std::to_string(index++) + "]", top.errors());
    t.reject_unknown({"name", "url", "interval", "timeout", "max_body_bytes", "process"});
    OllamaConfig o;
    if (tables->size() > 1) o.name.clear();  // several instances: each needs its own name
    t.get("name", o.name);
    t.get("url", o.url);
    t.get("interval", o.interval, kMinInterval, hours(1));
    t.get("timeout", o.timeout, kMinInterval, minutes(5));
    t.get("max_body_bytes", o.max_body_bytes, 1024, std::int64_t{1} << 30);
    t.get("process", o.process);
    if (!valid_instance_name(o.name)) {
      const toml::node* n = table.get("name");
      top.errors().add(n ? n->source() : table.source(),
                       t.qualified("name") +
                           ": expected a unique name of letters, digits, '_', "
                           "'-' or '.' (it becomes the `ollama` label), found \"" +
                           o.name + "\"");
    }
    for (const auto& other : out) {
      if (other.name == o.name && !o.name.empty()) {
        const toml::node* n = table.get("name");
        top.errors().add(n ? n->source() : table.source(), t.qualified("name") + ": \"" + o.name +
                                                               "\" is already used by another "
                                                               "[[ollama]] table");
      }
    }
    if (auto address = parse_ollama_address(o.url); !address) {
      const toml::node* n = table.get("url");
      top.errors().add(n ? n->source() : table.source(),
                       t.qualified("url") + ": " + address.error().message);
    }
    out.push_back(std::move(o));
  }
}

void read_bench_prompts(const TableReader& bench, std::vector<BenchPromptConfig>& out) {
  const auto tables = bench.tables("prompt");
  if (!tables) return;
  std::size_t index = 0;
  for (const toml::table* element : *tables) {
    const toml::table& table = *element;
    const TableReader t(table, "bench.prompt[" + std::to_string(index++) + "]", bench.errors());
    t.reject_unknown({"name", "prompt", "expect", "num_predict", "temperature", "seed", "api"});
    BenchPromptConfig p;
    t.get("name", p.name);
    t.get("prompt", p.prompt);
    std::string expect;
    t.get("expect", expect);
    if (table.contains("expect")) p.expect = expect;
    t.get("num_predict", p.num_predict, 1, 100000);
    t.get("temperature", p.temperature, 0.0, 2.0);
    t.get("seed", p.seed, INT64_MIN, INT64_MAX);
    t.get_enum("api", p.api, {"generate", "chat"});
    auto here = [&](std::string_view key) {
      const toml::node* n = table.get(key);
      return n ? n->source() : table.source();
    };
    if (!valid_instance_name(p.name)) {
      bench.errors().add(here("name"), t.qualified("name") +
                                           ": expected a name of letters, digits, '_', '-' or "
                                           "'.' (it becomes the `prompt` label), found \"" +
                                           p.name + "\"");
    }
    for (const auto& other : out) {
      if (other.name == p.name && !p.name.empty()) {
        bench.errors().add(here("name"), t.qualified("name") + ": \"" + p.name +
                                             "\" is already used by another [[bench.prompt]]");
      }
    }
    if (p.prompt.empty()) {
      bench.errors().add(here("prompt"), t.qualified("prompt") + ": expected a non-empty prompt");
    }
    if (p.expect) {
      try {
        std::regex compiled(*p.expect, std::regex::ECMAScript);
      } catch (const std::regex_error& e) {
        bench.errors().add(here("expect"), t.qualified("expect") +
                                               ": invalid regular expression "
                                               "\"" +
                                               *p.expect + "\": " + e.what());
      }
    }
    out.push_back(std::move(p));
  }
}

void read_bench(const TableReader& t, const std::vector<OllamaConfig>& instances, BenchConfig& b) {
  t.reject_unknown({"enabled", "interval", "jitter", "timeout", "only_loaded",
                    "skip_if_gpu_busy_above", "models", "instances", "state_dir", "baseline_runs",
                    "concurrency", "prompt"});
  t.get("enabled", b.enabled);
  t.get("interval", b.interval, std::chrono::seconds(1), hours(24 * 7));
  t.get("jitter", b.jitter, Duration::zero(), hours(24));
  t.get("timeout", b.timeout, std::chrono::seconds(1), hours(1));
  t.get("only_loaded", b.only_loaded);
  t.get("skip_if_gpu_busy_above", b.skip_if_gpu_busy_above, 0.0, 1.0);
  t.get("models", b.models);
  t.get("instances", b.instances);
  t.get("state_dir", b.state_dir);
  t.get("baseline_runs", b.baseline_runs, 1, 1000);
  t.get("concurrency", b.concurrency, 1, 64);
  for (const std::string& name : b.instances) {
    bool known = false;
    for (const auto& o : instances) known = known || o.name == name;
    if (!known) {
      t.errors().add(t.raw().get("instances")->source(),
                     "bench.instances: \"" + name + "\" is not the name of an [[ollama]] table");
    }
  }
  read_bench_prompts(t, b.prompts);
}

// toml++ writes the string back as a TOML basic string (escapes included, UTF-8 kept), so the
// effective configuration always re-parses to the same value.
std::string quote(std::string_view s) {
  std::ostringstream out;
  out << toml::toml_formatter{toml::value<std::string>(std::string(s)),
                              toml::format_flags::allow_unicode_strings};
  return out.str();
}

}  // namespace

Expected<Config> parse_config(std::string_view toml_text, const std::string& source) {
  toml::table root;
  try {
    root = toml::parse(toml_text, source);
  } catch (const toml::parse_error& e) {
    const auto& begin = e.source().begin;
    return make_error(source + ":" + std::to_string(begin.line) + ":" +
                      std::to_string(begin.column) + ": " + std::string(e.description()));
  }
  Config config;
  ConfigErrors errors;
  errors.source = source;
  const TableReader top(root, "", errors);
  top.reject_unknown({"web", "log", "gpu", "host", "ollama", "bench"});
  if (const toml::table* t = top.table("web")) read_web(TableReader(*t, "web", errors), config.web);
  if (const toml::table* t = top.table("log")) read_log(TableReader(*t, "log", errors), config.log);
  if (const toml::table* t = top.table("gpu")) read_gpu(TableReader(*t, "gpu", errors), config.gpu);
  if (const toml::table* t = top.table("host")) {
    read_host(TableReader(*t, "host", errors), config.host);
  }
  read_ollama(top, config.ollama);
  if (const toml::table* t = top.table("bench")) {
    read_bench(TableReader(*t, "bench", errors), config.ollama, config.bench);
  }
  if (!errors.errors.empty()) return make_error(errors.sorted_message());
  return config;
}

Expected<Config> load_config(const std::filesystem::path& path) {
  ReadResult file = read_file(path, 1024 * 1024);
  if (!file.ok()) return make_error("cannot read configuration " + file.error);
  return parse_config(file.content, path.string());
}

std::string render_config(const Config& c) {
  std::ostringstream out;
  out << "[web]\n"
      << "listen = " << quote(c.web.listen) << "\n\n"
      << "[log]\n"
      << "level = " << quote(c.log.level) << "\n\n"
      << "[gpu]\n"
      << "backend = " << quote(c.gpu.backend) << "\n"
      << "sysfs_root = " << quote(c.gpu.sysfs_root.string()) << "\n"
      << "rocm_smi_library = " << quote(c.gpu.rocm_smi_library) << "\n"
      << "interval = " << quote(format_duration(c.gpu.interval)) << "\n"
      << "sample_interval = " << quote(format_duration(c.gpu.sample_interval)) << "\n\n"
      << "[host]\n"
      << "procfs_root = " << quote(c.host.procfs_root.string()) << "\n"
      << "interval = " << quote(format_duration(c.host.interval)) << "\n";
  const BenchConfig& b = c.bench;
  auto list = [](const std::vector<std::string>& v) {
    std::string s = "[";
    for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + quote(v[i]);
    return s + "]";
  };
  out << "\n[bench]\n"
      << "enabled = " << (b.enabled ? "true" : "false") << "\n"
      << "interval = " << quote(format_duration(b.interval)) << "\n"
      << "jitter = " << quote(format_duration(b.jitter)) << "\n"
      << "timeout = " << quote(format_duration(b.timeout)) << "\n"
      << "only_loaded = " << (b.only_loaded ? "true" : "false") << "\n"
      << "skip_if_gpu_busy_above = " << b.skip_if_gpu_busy_above << "\n"
      << "models = " << list(b.models) << "\n"
      << "instances = " << list(b.instances) << "\n"
      << "state_dir = " << quote(b.state_dir.string()) << "\n"
      << "baseline_runs = " << b.baseline_runs << "\n"
      << "concurrency = " << b.concurrency << "\n";
  for (const BenchPromptConfig& p : b.prompts) {
    out << "\n[[bench.prompt]]\n"
        << "name = " << quote(p.name) << "\n"
        << "prompt = " << quote(p.prompt) << "\n";
    if (p.expect) out << "expect = " << quote(*p.expect) << "\n";
    out << "num_predict = " << p.num_predict << "\n"
        << "temperature = " << p.temperature << "\n"
        << "seed = " << p.seed << "\n"
        << "api = " << quote(p.api) << "\n";
  }
  for (const OllamaConfig& o : c.ollama) {
    out << "\n[[ollama]]\n"
        << "name = " << quote(o.name) << "\n"
        << "url = " << quote(o.url) << "\n"
        << "interval = " << quote(format_duration(o.interval)) << "\n"
        << "timeout = " << quote(format_duration(o.timeout)) << "\n"
        << "max_body_bytes = " << o.max_body_bytes << "\n"
        << "process = " << quote(o.process) << "\n";
  }
  return out.str();
}

}  // namespace llmon
