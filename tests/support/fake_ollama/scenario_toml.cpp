// parse_scenario: TOML -> Scenario ([server], [[models]], [[faults]]).
#include <set>

#include "scenario.hpp"
#include "toml_reader.hpp"

namespace fake_ollama {

namespace {

// A fixed default so that listings are reproducible: models listed earlier look newer.
constexpr std::int64_t kDefaultModifiedAt = 1'759'320'000;  // 2025-10-01T12:00:00Z

ServerSpec read_server(const Reader& r) {
  r.allow({"version", "num_parallel", "max_queue", "keep_alive", "utc_offset", "not_found_style"});
  ServerSpec s;
  s.version = r.string("version").value_or(s.version);
  s.num_parallel = static_cast<int>(r.integer("num_parallel", 1).value_or(s.num_parallel));
  s.max_queue = static_cast<int>(r.integer("max_queue", 0).value_or(s.max_queue));
  s.keep_alive = r.keep_alive("keep_alive").value_or(s.keep_alive);
  if (const auto offset = r.string("utc_offset")) {
    s.utc_offset = parse_utc_offset(*offset);
    if (!s.utc_offset) r.fail(*r.get("utc_offset"), "utc_offset must look like +01:00 or Z");
  }
  if (const auto style = r.string("not_found_style")) {
    if (*style != "current" && *style != "pull_hint") {
      r.fail(*r.get("not_found_style"), "not_found_style must be \"current\" or \"pull_hint\"");
    }
    s.pull_hint_not_found = *style == "pull_hint";
  }
  return s;
}

std::vector<ReplyRule> read_replies(const Reader& model) {
  std::vector<ReplyRule> rules;
  for (const toml::table* table : model.tables("replies")) {
    const Reader r(*table, model.source());
    r.allow({"when", "response"});
    const auto when = r.string("when");
    const auto response = r.string("response");
    if (!when || !response) r.fail(*table, "a reply needs both when and response");
    rules.push_back({*when, *response});
  }
  return rules;
}

ModelSpec read_model(const Reader& r, std::size_t index) {
  r.allow({"name",
           "size",
           "digest",
           "modified_at",
           "format",
           "family",
           "families",
           "parameter_size",
           "quantization_level",
           "architecture",
           "parameter_count",
           "trained_context_length",
           "model_info",
           "capabilities",
           "template",
           "parameters",
           "system",
           "license",
           "context_length",
           "running_size",
           "size_vram",
           "num_parallel",
           "tokens_per_second",
           "prompt_tokens_per_second",
           "ttft",
           "load_delay",
           "response",
           "thinking",
           "thinking_low",
           "thinking_high",
           "eval_count",
           "replies",
           "load_error",
           "loaded",
           "loaded_context_length",
           "keep_alive",
           "omit_context_length",
           "ps_extra"});
  ModelSpec m;
  const auto name = r.string("name");
  if (!name || name->empty()) r.fail(r.table(), "a model needs a name");
  m.name = *name;
  m.size = r.integer("size", 0).value_or(m.size);
  m.digest = r.string("digest").value_or(fake_digest(m.name));
  if (m.digest.size() != 64 ||
      m.digest.find_first_not_of("0123456789abcdef") != std::string::npos) {
    r.fail(*r.get("digest"), "digest must be 64 lower-case hex digits");
  }
  m.modified_at.unix_seconds = kDefaultModifiedAt - static_cast<std::int64_t>(index) * 3600;
  r.date_time("modified_at", m.modified_at, m.modified_at_offset);
  m.format = r.string("format").value_or(m.format);
  m.family = r.string("family").value_or(m.family);
  m.families = r.strings("families");
  m.parameter_size = r.string("parameter_size").value_or(m.parameter_size);
  m.quantization_level = r.string("quantization_level").value_or(m.quantization_level);
  m.architecture = r.string("architecture").value_or(m.family);
  m.parameter_count = r.integer("parameter_count", 0).value_or(0);
  m.model_info_extra = r.json_table("model_info").value_or(boost::json::object{});
  m.capabilities = r.strings("capabilities").value_or(m.capabilities);
  m.template_text = r.string("template").value_or("{{ .Prompt }}");
  m.parameters_text = r.string("parameters").value_or("");
  m.system = r.string("system").value_or("");
  m.license = r.string("license").value_or("");

  m.context_length = r.integer("context_length", 1).value_or(m.context_length);
  m.trained_context_length = r.integer("trained_context_length", 1).value_or(m.context_length);
  // Without figures, a loaded model takes its weights plus ~10% (KV cache and graph), all on GPU.
  m.running_size = r.integer("running_size", 0).value_or(m.size + m.size / 10);
  m.size_vram = r.integer("size_vram", 0).value_or(m.running_size);
  if (m.size_vram > m.running_size) {
    r.fail(*r.get("size_vram"), "size_vram cannot exceed running_size");
  }
  m.num_parallel = static_cast<int>(r.integer("num_parallel", 1).value_or(0));
  m.tokens_per_second = r.positive_number("tokens_per_second").value_or(m.tokens_per_second);
  m.prompt_tokens_per_second =
      r.positive_number("prompt_tokens_per_second").value_or(m.prompt_tokens_per_second);
  m.ttft = r.duration("ttft").value_or(m.ttft);
  m.load_delay = r.duration("load_delay").value_or(m.load_delay);
  m.response = r.string("response").value_or(m.response);
  m.thinking = r.string("thinking").value_or("");
  m.thinking_low = r.string("thinking_low").value_or("");
  m.thinking_high = r.string("thinking_high").value_or("");
  m.eval_count = r.integer("eval_count", 0).value_or(0);
  m.replies = read_replies(r);
  m.load_error = r.string("load_error").value_or("");

  m.loaded = r.boolean("loaded").value_or(false);
  m.loaded_context_length = r.integer("loaded_context_length", 1).value_or(0);
  m.keep_alive = r.keep_alive("keep_alive");
  m.omit_context_length = r.boolean("omit_context_length").value_or(false);
  m.ps_extra = r.json_table("ps_extra").value_or(boost::json::object{});
  return m;
}

FaultSpec read_fault(const Reader& r) {
  r.allow({"endpoint", "kind", "status", "error", "after_chunks", "bytes", "interval", "times",
           "metrics"});
  FaultSpec f;
  f.endpoint = r.string("endpoint").value_or("*");
  if (f.endpoint != "*" && f.endpoint.rfind('/', 0) != 0) {
    r.fail(*r.get("endpoint"), "endpoint must be a path starting with / or \"*\"");
  }
  const auto kind = r.string("kind");
  if (!kind) r.fail(r.table(), "a fault needs a kind");
  const auto parsed = parse_fault_kind(*kind);
  if (!parsed) r.fail(*r.get("kind"), "unknown fault kind '" + *kind + "'");
  f.kind = *parsed;
  f.status = static_cast<int>(r.integer("status", 100).value_or(f.status));
  if (f.status > 599) r.fail(*r.get("status"), "status must be 100..599");
  f.error = r.string("error").value_or(f.error);
  f.after_chunks = static_cast<int>(r.integer("after_chunks", 0).value_or(f.after_chunks));
  f.bytes = r.integer("bytes", 0).value_or(f.bytes);
  f.interval = r.duration("interval").value_or(f.interval);
  f.times = static_cast<int>(r.integer("times", 0).value_or(f.times));
  if (auto metrics = r.json_table("metrics")) f.metrics = std::move(*metrics);
  return f;
}

}  // namespace

ScenarioResult parse_scenario(std::string_view toml_text, std::string_view source_name) {
  try {
    const toml::table root = toml::parse(toml_text, source_name);
    const Reader r(root, source_name);
    r.allow({"server", "models", "faults"});
    Scenario scenario;
    if (const toml::node* server = r.get("server")) {
      if (!server->is_table()) r.fail(*server, "server must be a table ([server])");
      scenario.server = read_server(Reader(*server->as_table(), source_name));
    }
    std::set<std::string> names;
    for (const toml::table* table : r.tables("models")) {
      const Reader model(*table, source_name);
      scenario.models.push_back(read_model(model, scenario.models.size()));
      if (!names.insert(normalize_model_name(scenario.models.back().name)).second) {
        model.fail(*table, "model '" + scenario.models.back().name + "' is listed twice");
      }
    }
    for (const toml::table* table : r.tables("faults")) {
      scenario.faults.push_back(read_fault(Reader(*table, source_name)));
    }
    return {std::move(scenario), ""};
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    return {std::nullopt, std::string(source_name) + ":" + std::to_string(where.line) + ":" +
                              std::to_string(where.column) + ": " + std::string(e.description())};
  } catch (const ScenarioError& e) {
    return {std::nullopt, e.what()};
  }
}

}  // namespace fake_ollama
