#include "collectors/bench/bench_config.hpp"

#include <set>

#include "collectors/bench/suite.hpp"

namespace llmon {

namespace {

// think = false | true | "low" | "medium" | "high" (Ollama's ThinkValue: a boolean or a level).
void read_think(const TableReader& t, std::optional<std::string>& out) {
  const toml::node* node = t.raw().get("think");
  if (node == nullptr) return;
  if (const auto* b = node->as_boolean()) {
    out = b->get() ? "true" : "false";
    return;
  }
  if (const auto* s = node->as_string()) {
    if (s->get() == "low" || s->get() == "medium" || s->get() == "high") {
      out = s->get();
      return;
    }
  }
  t.error("think",
          "expected false, true, \"low\", \"medium\" or \"high\", found " + describe_node(*node));
}

void read_prompts(const TableReader& bench, std::vector<BenchPromptConfig>& out) {
  const auto tables = bench.tables("prompt");
  if (!tables) return;
  std::size_t index = 0;
  std::set<std::string, std::less<>> names;
  for (const toml::table* element : *tables) {
    const toml::table& table = *element;
    const TableReader t(table, "bench.prompt[" + std::to_string(index++) + "]", bench.errors());
    t.reject_unknown(
        {"name", "prompt", "expect", "num_predict", "temperature", "seed", "api", "think"});
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
    read_think(t, p.think);
    if (!valid_config_name(p.name)) {
      t.error("name",
              "expected a name of letters, digits, '_', '-' or '.' (it becomes the `prompt` "
              "label), found \"" +
                  p.name + "\"");
    }
    // Once per table however many share the name (and a set, not a scan): a file repeating
    // one name in thousands of tables must not produce quadratic output.
    if (!p.name.empty() && !names.insert(p.name).second) {
      t.error("name", "\"" + p.name + "\" is already used by another [[bench.prompt]]");
    }
    if (p.prompt.empty()) t.error("prompt", "expected a non-empty prompt");
    if (p.expect) {
      if (const auto compiled = bench::compile_expect(*p.expect); !compiled) {
        t.error("expect", compiled.error().message);
      }
    }
    out.push_back(std::move(p));
  }
}

}  // namespace

void read_bench_config(const TableReader& t, const std::vector<OllamaConfig>& instances,
                       BenchConfig& b) {
  using std::chrono::hours;
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
    if (!known) t.error("instances", "\"" + name + "\" is not the name of an [[ollama]] table");
  }
  read_prompts(t, b.prompts);
}

void render_bench_config(std::ostream& out, const BenchConfig& b) {
  out << "[bench]\n"
      << "enabled = " << (b.enabled ? "true" : "false") << "\n"
      << "interval = " << toml_quote(format_duration(b.interval)) << "\n"
      << "jitter = " << toml_quote(format_duration(b.jitter)) << "\n"
      << "timeout = " << toml_quote(format_duration(b.timeout)) << "\n"
      << "only_loaded = " << (b.only_loaded ? "true" : "false") << "\n"
      << "skip_if_gpu_busy_above = " << b.skip_if_gpu_busy_above << "\n"
      << "models = " << toml_string_list(b.models) << "\n"
      << "instances = " << toml_string_list(b.instances) << "\n"
      << "state_dir = " << toml_quote(b.state_dir.string()) << "\n"
      << "baseline_runs = " << b.baseline_runs << "\n"
      << "concurrency = " << b.concurrency << "\n";
  for (const BenchPromptConfig& p : b.prompts) {
    out << "\n[[bench.prompt]]\n"
        << "name = " << toml_quote(p.name) << "\n"
        << "prompt = " << toml_quote(p.prompt) << "\n";
    if (p.expect) out << "expect = " << toml_quote(*p.expect) << "\n";
    out << "num_predict = " << p.num_predict << "\n"
        << "temperature = " << p.temperature << "\n"
        << "seed = " << p.seed << "\n"
        << "api = " << toml_quote(p.api) << "\n";
    if (p.think) {
      const bool boolean = *p.think == "true" || *p.think == "false";
      out << "think = " << (boolean ? *p.think : toml_quote(*p.think)) << "\n";
    }
  }
}

}  // namespace llmon
