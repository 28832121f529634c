#include "scenario.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace fake_ollama {

namespace {

struct KindName {
  FaultKind kind;
  std::string_view name;
};

constexpr KindName kKindNames[] = {
    {FaultKind::kStatus, "status"},
    {FaultKind::kMidStreamError, "mid_stream_error"},
    {FaultKind::kMalformedJson, "malformed_json"},
    {FaultKind::kTruncated, "truncated"},
    {FaultKind::kHang, "hang"},
    {FaultKind::kOversized, "oversized"},
    {FaultKind::kReset, "reset"},
    {FaultKind::kSlowDrip, "slow_drip"},
    {FaultKind::kBogusMetrics, "bogus_metrics"},
};

bool has_tag(std::string_view name) {
  const std::size_t slash = name.rfind('/');
  const std::size_t colon = name.rfind(':');
  return colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash);
}

}  // namespace

std::optional<FaultKind> parse_fault_kind(std::string_view name) {
  for (const auto& entry : kKindNames) {
    if (entry.name == name) return entry.kind;
  }
  return std::nullopt;
}

std::string_view fault_kind_name(FaultKind kind) {
  for (const auto& entry : kKindNames) {
    if (entry.kind == kind) return entry.name;
  }
  return "?";
}

std::string normalize_model_name(std::string_view name) {
  std::string out(name);
  if (!has_tag(out)) out += ":latest";
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string qualified_model_name(std::string_view name) {
  std::string out(name);
  if (!has_tag(out)) out += ":latest";
  const auto slashes = std::count(out.begin(), out.end(), '/');
  if (slashes == 0) return "registry.ollama.ai/library/" + out;
  if (slashes == 1) return "registry.ollama.ai/" + out;
  return out;
}

std::string fake_digest(std::string_view name) {
  // Four FNV-1a passes with different seeds give 256 stable, well-spread bits.
  std::string out;
  for (std::uint64_t seed = 0; seed < 4; ++seed) {
    std::uint64_t hash = 14695981039346656037ull ^ (seed * 0x9E3779B97F4A7C15ull);
    for (unsigned char c : name) {
      hash ^= c;
      hash *= 1099511628211ull;
    }
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(hash));
    out += buf;
  }
  return out;
}

const ModelSpec* Scenario::find(std::string_view name) const {
  if (name.empty()) return nullptr;
  const std::string key = normalize_model_name(name);
  for (const auto& model : models) {
    if (normalize_model_name(model.name) == key) return &model;
  }
  return nullptr;
}

ScenarioResult load_scenario_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {std::nullopt, path + ": cannot open the scenario file"};
  std::ostringstream text;
  text << in.rdbuf();
  return parse_scenario(text.str(), path);
}

}  // namespace fake_ollama
