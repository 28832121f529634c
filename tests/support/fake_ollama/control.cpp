// handle_control: the /_fake/ routes tests use to inspect and steer the fake. Never part of
// Ollama's API; never logged, counted or faulted.
#include <boost/json/parse.hpp>

#include "routes.hpp"

namespace fake_ollama {

namespace json = boost::json;

namespace {

constexpr std::string_view kPrefix = "/_fake/";

std::optional<json::object> json_body(const Request& request, std::string& error) {
  boost::system::error_code ec;
  json::value v = json::parse(request.body.empty() ? std::string_view("{}") : request.body, ec);
  if (ec || !v.is_object()) {
    error = "the body must be a JSON object";
    return std::nullopt;
  }
  return std::move(v.get_object());
}

std::optional<std::int64_t> int_field(const json::object& o, std::string_view key,
                                      std::string& error) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (!v->is_number()) {
    error = std::string(key) + " must be a number";
    return std::nullopt;
  }
  return static_cast<std::int64_t>(v->to_number<double>());
}

std::optional<FaultSpec> fault_from_json(const json::object& o, std::string& error) {
  FaultSpec f;
  auto str = [&](std::string_view key, std::string& out) {
    if (const json::value* v = o.if_contains(key)) {
      if (v->is_string())
        out = std::string(v->get_string());
      else
        error = std::string(key) + " must be a string";
    }
  };
  std::string kind, interval;
  str("endpoint", f.endpoint);
  str("kind", kind);
  str("error", f.error);
  str("interval", interval);
  f.status = static_cast<int>(int_field(o, "status", error).value_or(f.status));
  f.after_chunks = static_cast<int>(int_field(o, "after_chunks", error).value_or(f.after_chunks));
  f.bytes = int_field(o, "bytes", error).value_or(f.bytes);
  f.times = static_cast<int>(int_field(o, "times", error).value_or(f.times));
  if (const json::value* m = o.if_contains("metrics")) {
    if (m->is_object()) {
      f.metrics = m->get_object();
    } else {
      error = "metrics must be an object";
    }
  }
  if (!error.empty()) return std::nullopt;
  const auto parsed = parse_fault_kind(kind);
  if (!parsed) {
    error = "unknown fault kind '" + kind + "'";
    return std::nullopt;
  }
  f.kind = *parsed;
  if (f.endpoint != "*" && f.endpoint.rfind('/', 0) != 0) {
    error = "endpoint must be a path or \"*\"";
    return std::nullopt;
  }
  if (!interval.empty()) {
    const auto d = parse_go_duration(interval, &error);
    if (!d || *d < 0) return std::nullopt;
    f.interval = *d;
  }
  if (f.status < 100 || f.status > 599 || f.after_chunks < 0 || f.bytes < 0 || f.times < 0) {
    error = "status must be 100..599; after_chunks, bytes and times must not be negative";
    return std::nullopt;
  }
  return f;
}

Reply model_control(State& state, const Request& request, bool load) {
  std::string error;
  const auto body = json_body(request, error);
  if (!body) return error_reply(400, error);
  const json::value* name = body->if_contains("model");
  if (name == nullptr || !name->is_string()) return error_reply(400, "model is required");
  const ModelSpec* spec = state.scenario().find(name->get_string());
  if (spec == nullptr)
    return error_reply(404, "model '" + std::string(name->get_string()) + "' not found");
  if (!load) {
    state.scheduler.unload_now(*spec);
  } else {
    const std::int64_t ctx = int_field(*body, "num_ctx", error).value_or(0);
    std::optional<Nanos> keep_alive;
    if (const json::value* k = body->if_contains("keep_alive")) {
      if (k->is_number())
        keep_alive = keep_alive_from_seconds(k->to_number<double>());
      else if (k->is_string())
        keep_alive = keep_alive_from_string(k->get_string(), &error);
      else
        error = "keep_alive must be a duration string or seconds";
    }
    if (!error.empty()) return error_reply(400, error);
    state.scheduler.load_now(*spec, ctx, keep_alive);
  }
  json::object ok;
  ok["ok"] = true;
  return json_reply(200, ok);
}

Reply control(State& state, const Request& request) {
  const std::string_view route = std::string_view(request.path).substr(kPrefix.size());
  const std::string_view method = request.method;
  json::object ok;
  ok["ok"] = true;
  if (route == "requests" && method == "GET") return json_reply(200, state.log.entries_json());
  if (route == "requests" && method == "DELETE") {
    ok["cleared"] = state.log.size();
    state.log.clear();
    return json_reply(200, ok);
  }
  if (route == "stats" && method == "GET") {
    json::object stats;
    stats["models"] = state.scheduler.stats_json();
    stats["requests"] = state.log.counts_json();
    return json_reply(200, stats);
  }
  if (route == "stats" && method == "DELETE") {
    state.scheduler.reset_stats();
    state.log.clear_counts();
    return json_reply(200, ok);
  }
  if (route == "scenario" && method == "POST") {
    ScenarioResult result = parse_scenario(request.body, "POST /_fake/scenario");
    if (!result.scenario) return error_reply(400, result.error);
    ok["models"] = result.scenario->models.size();
    state.apply(std::make_shared<const Scenario>(std::move(*result.scenario)));
    return json_reply(200, ok);
  }
  if (route == "reload" && method == "POST") {
    const std::string error = state.reload();
    return error.empty() ? json_reply(200, ok) : error_reply(400, error);
  }
  if (route == "load" && method == "POST") return model_control(state, request, true);
  if (route == "unload" && method == "POST") return model_control(state, request, false);
  if (route == "faults" && method == "GET") return json_reply(200, state.faults.json());
  if (route == "faults" && method == "DELETE") {
    state.faults.clear();
    return json_reply(200, ok);
  }
  if (route == "faults" && method == "POST") {
    std::string error;
    const auto body = json_body(request, error);
    const auto fault = body ? fault_from_json(*body, error) : std::nullopt;
    if (!fault) return error_reply(400, error);
    state.faults.add(*fault);
    return json_reply(200, ok);
  }
  return error_reply(404, "no control route " + request.method + " " + request.path);
}

}  // namespace

bool handle_control(State& state, const std::shared_ptr<Connection>& conn, const Request& request) {
  if (request.path.rfind(kPrefix, 0) != 0) return false;
  Reply r = control(state, request);
  conn->send(r.status, r.content_type, std::move(r.body));
  return true;
}

}  // namespace fake_ollama
