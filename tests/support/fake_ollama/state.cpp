#include "state.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>

namespace fake_ollama {

namespace json = boost::json;

void RequestLog::record(const Request& request) {
  ++counts_[request.path];
  json::object entry;
  entry["method"] = request.method;
  entry["path"] = request.path;
  entry["target"] = request.target;
  json::object headers;
  for (const auto& [name, value] : request.headers) headers[name] = value;
  entry["headers"] = std::move(headers);
  // The body as JSON when it is JSON, so tests can inspect fields; else the raw text.
  boost::system::error_code ec;
  json::value body = request.body.empty() ? json::value() : json::parse(request.body, ec);
  entry["body"] = ec ? json::value(request.body) : std::move(body);
  entry["timestamp"] = format_rfc3339_nano(request.received, 0);
  entries_.push_back(std::move(entry));
  if (entries_.size() > kMaxEntries) entries_.pop_front();
}

json::array RequestLog::entries_json() const {
  json::array out;
  for (const auto& entry : entries_) out.push_back(entry);
  return out;
}

json::object RequestLog::counts_json() const {
  json::object out;
  for (const auto& [path, count] : counts_) out[path] = count;
  return out;
}

void FaultTable::replace(std::vector<FaultSpec> faults) {
  faults_.clear();
  for (auto& f : faults) add(std::move(f));
}

void FaultTable::add(FaultSpec fault) {
  std::erase_if(faults_, [&](const Active& a) { return a.spec.endpoint == fault.endpoint; });
  const int remaining = fault.times > 0 ? fault.times : -1;
  faults_.push_back({std::move(fault), remaining});
}

std::optional<FaultSpec> FaultTable::take(std::string_view path) {
  auto pick = [&](auto matches) -> std::optional<FaultSpec> {
    for (auto it = faults_.begin(); it != faults_.end(); ++it) {
      if (!matches(it->spec.endpoint)) continue;
      FaultSpec spec = it->spec;
      if (it->remaining > 0 && --it->remaining == 0) faults_.erase(it);
      return spec;
    }
    return std::nullopt;
  };
  if (auto exact = pick([&](const std::string& e) { return e == path; })) return exact;
  return pick([](const std::string& e) { return e == "*"; });
}

json::array FaultTable::json() const {
  json::array out;
  for (const auto& a : faults_) {
    json::object f;
    f["endpoint"] = a.spec.endpoint;
    f["kind"] = fault_kind_name(a.spec.kind);
    f["status"] = a.spec.status;
    f["error"] = a.spec.error;
    f["after_chunks"] = a.spec.after_chunks;
    f["bytes"] = a.spec.bytes;
    f["interval_ns"] = a.spec.interval;
    if (a.spec.kind == FaultKind::kBogusMetrics) f["metrics"] = a.spec.metrics;
    f["remaining"] = a.remaining;
    out.push_back(std::move(f));
  }
  return out;
}

void State::apply(std::shared_ptr<const Scenario> scenario) {
  faults.replace(scenario->faults);
  scheduler.reset(std::move(scenario));
}

std::string State::reload() {
  if (scenario_path.empty()) return "no scenario file to re-read";
  ScenarioResult result = load_scenario_file(scenario_path);
  if (!result.scenario) return result.error;
  apply(std::make_shared<const Scenario>(std::move(*result.scenario)));
  return "";
}

}  // namespace fake_ollama
