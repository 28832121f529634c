#include "collectors/tuning/ollama_env.hpp"

#include <algorithm>
#include <array>
#include <vector>

#include "collectors/tuning/go_env.hpp"

namespace llmon::tuning {

namespace {

// The newest release whose config.go the table was checked against (v0.33.0-rc2's is the same).
// A name the table does not know may be new in anything later: that is "uncertain".
constexpr std::string_view kNewestChecked = "0.32.15";

struct DefaultChange {
  std::string_view name;
  std::string_view since;
  std::string_view value;
};

// config.go at each tag (research note section B "Version history of defaults").
constexpr std::array kDefaultChanges{
    DefaultChange{"OLLAMA_NUM_PARALLEL", "0.1.33", "0"},  // 0 = auto-select
    DefaultChange{"OLLAMA_NUM_PARALLEL", "0.10.0", "1"},  // commit 20c3266e9
    DefaultChange{"OLLAMA_CONTEXT_LENGTH", "0.5.13", "2048"},
    DefaultChange{"OLLAMA_CONTEXT_LENGTH", "0.6.7", "4096"},
    DefaultChange{"OLLAMA_CONTEXT_LENGTH", "0.15.5", "0"},  // VRAM-tiered, commit 0334ffa62
    DefaultChange{"OLLAMA_VULKAN", "0.12.11", "false"},
    DefaultChange{"OLLAMA_VULKAN", "0.30.0", "true"},  // BoolWithDefault(true)
    DefaultChange{"OLLAMA_FLASH_ATTENTION", "0.1.39", "false"},
    DefaultChange{"OLLAMA_FLASH_ATTENTION", "0.12.4", "auto"},  // BoolWithDefault, fdb109469
    DefaultChange{"OLLAMA_DEBUG", "0.1.21", "false"},
    DefaultChange{"OLLAMA_DEBUG", "0.7.0", "INFO"},  // LogLevel()
};

OllamaVersion v(std::string_view s) { return parse_ollama_version(s).value_or(OllamaVersion{}); }

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = (c >= 'a' && c <= 'z') ? char(c - 'a' + 'A') : c;
  return out;
}

bool digits_only(std::string_view s) {
  return !s.empty() && s.size() <= 3 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The version a table fact is checked against: nullopt when none applies (no version, a dev
// build, or a pre-release of a version at which this row changes).
std::optional<OllamaVersion> effective(const EnvVarInfo* info,
                                       const std::optional<OllamaVersion>& version) {
  if (!version || version->dev_build()) return std::nullopt;
  OllamaVersion e = release_of(version->major, version->minor, version->patch);
  if (!version->release() && info) {
    for (const auto& span : info->spans) {
      for (const auto b : {span.first, span.removed}) {
        if (!b.empty() && v(b) == e) return std::nullopt;
      }
    }
    for (const auto& c : kDefaultChanges) {
      if (c.name == info->name && v(c.since) == e) return std::nullopt;
    }
  }
  return e;
}

bool reads_at(const EnvVarInfo& info, const OllamaVersion& at) {
  return std::any_of(std::begin(info.spans), std::end(info.spans), [&](const EnvSpan& s) {
    return !s.first.empty() && v(s.first) <= at && (s.removed.empty() || at < v(s.removed));
  });
}

// Names longer than this get no suggestion (the distance is quadratic in the length).
constexpr std::size_t kMaxSuggestChars = 64;

// Read by the newest release checked: a ROCm row, or an Ollama row whose last span is open.
bool still_read(const EnvVarInfo& row) {
  if (row.spans[0].first.empty()) return true;
  const EnvSpan& last = row.spans[1].first.empty() ? row.spans[0] : row.spans[1];
  return last.removed.empty();
}

// Optimal string alignment distance (Levenshtein plus adjacent transpositions).
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

}  // namespace

std::string_view env_kind_name(EnvKind k) {
  switch (k) {
    case EnvKind::kBool:
      return "bool";
    case EnvKind::kLogLevel:
      return "log_level";
    case EnvKind::kUint:
      return "uint";
    case EnvKind::kDuration:
      return "duration";
    case EnvKind::kString:
      return "string";
    case EnvKind::kUrl:
      return "url";
    case EnvKind::kList:
      return "list";
    case EnvKind::kPath:
      return "path";
    case EnvKind::kGfxVersion:
      return "gfx_version";
    case EnvKind::kDevices:
      return "devices";
  }
  return "string";
}

const EnvVarInfo* find_env_var(std::string_view name) {
  for (const auto& row : ollama_env_table()) {
    if (row.name == name) return &row;
    if (row.per_device_suffix && name.size() > row.name.size() + 1 &&
        name.substr(0, row.name.size()) == row.name && name[row.name.size()] == '_' &&
        digits_only(name.substr(row.name.size() + 1))) {
      return &row;
    }
  }
  return nullptr;
}

ReadsAnswer ollama_version_reads(std::string_view name,
                                 const std::optional<OllamaVersion>& version) {
  const EnvVarInfo* info = find_env_var(name);
  if (!info) {
    // Only Ollama's own namespace is complete in the table; the ROCm runtime and llama-server
    // (LLAMA_ARG_*) read many more variables than it lists.
    const auto at = effective(nullptr, version);
    // Any case: Ollama reads upper-case names only, so "ollama_host" is a typo too.
    if (upper(name.substr(0, 7)) != "OLLAMA_" || !at || v(kNewestChecked) < *at) {
      return {ReadsStatus::kUncertain, nullptr, {}, {}};
    }
    return {ReadsStatus::kUnknown, nullptr, {}, {}};
  }
  if (info->reader == EnvReader::kNoneKnown) return {ReadsStatus::kNoKnownEffect, info, {}, {}};
  if (info->spans[0].first.empty()) return {ReadsStatus::kReads, info, {}, {}};
  const auto at = effective(info, version);
  if (!at) return {ReadsStatus::kUncertain, info, {}, {}};
  if (reads_at(*info, *at)) return {ReadsStatus::kReads, info, {}, {}};
  if (*at < v(info->spans[0].first)) return {ReadsStatus::kNotYet, info, info->spans[0].first, {}};
  std::string_view removed;
  for (const auto& s : info->spans) {
    if (!s.removed.empty() && v(s.removed) <= *at) removed = s.removed;
  }
  return {ReadsStatus::kRemoved, info, {}, removed};
}

std::optional<std::string_view> suggest_variable(std::string_view name,
                                                 const std::optional<OllamaVersion>& version) {
  constexpr std::string_view kPrefix = "OLLAMA_";
  const std::string wanted = upper(name);
  const auto prefixed = [&](std::string_view s) { return s.substr(0, kPrefix.size()) == kPrefix; };
  if (name.size() > kMaxSuggestChars) return std::nullopt;
  std::optional<std::string_view> best;
  std::size_t best_score = 0;
  for (const auto& row : ollama_env_table()) {
    if (row.name == name || row.reader == EnvReader::kNoneKnown) continue;
    const auto answer = ollama_version_reads(row.name, version);
    if (answer.status != ReadsStatus::kReads &&
        !(answer.status == ReadsStatus::kUncertain && still_read(row))) {
      continue;
    }
    if (wanted == row.name) return row.name;  // only the case differs
    // The shared prefix carries no information: compare what follows it.
    const bool both = prefixed(wanted) && prefixed(row.name);
    const std::string_view a = both ? std::string_view(wanted).substr(kPrefix.size()) : wanted;
    const std::string_view b = both ? row.name.substr(kPrefix.size()) : row.name;
    const std::size_t d = edit_distance(a, b);
    const std::size_t shorter = std::min(a.size(), b.size()), longer = std::max(a.size(), b.size());
    const bool close = d <= std::max<std::size_t>(2, b.size() / 3);
    // A truncated or padded name: OLLAMA_MAX_LOADED, OLLAMA_PARALLEL.
    const bool contained =
        shorter * 2 >= longer && shorter >= 4 &&
        (b.find(a) != std::string_view::npos || a.find(b) != std::string_view::npos);
    if ((close || contained) && (!best || d < best_score)) {
      best = row.name;
      best_score = d;
    }
  }
  return best;
}

std::optional<std::string_view> ollama_default(std::string_view name,
                                               const std::optional<OllamaVersion>& version) {
  const EnvVarInfo* info = find_env_var(name);
  if (!info) return std::nullopt;
  std::optional<std::string_view> value;
  bool changes = false;
  const auto at = effective(info, version);
  for (const auto& c : kDefaultChanges) {
    if (c.name != info->name) continue;
    changes = true;
    if (at && (v(c.since) <= *at || !value)) value = c.value;
  }
  if (!changes) return info->default_value;
  return value;
}

std::optional<OllamaBool> ollama_bool(std::string_view name, std::string_view raw,
                                      const std::optional<OllamaVersion>& version) {
  const EnvVarInfo* info = find_env_var(name);
  if (!info) return std::nullopt;
  const auto at = effective(info, version);
  if (at && *at < v("0.3.2")) return std::nullopt;  // before envconfig.Bool: per-variable rules
  EnvKind kind = info->kind;
  if (info->name == "OLLAMA_DEBUG") {
    if (!at) return std::nullopt;
    kind = *at < v("0.7.0") ? EnvKind::kBool : EnvKind::kLogLevel;
  }
  if (kind != EnvKind::kBool) return std::nullopt;
  OllamaBool b;
  const std::string_view value = ollama_var_value(raw);
  if (value.empty()) {
    const auto def = ollama_default(name, version);
    if (def == "true") b.value = true;
    if (def == "false") b.value = false;
    return b;
  }
  b.set = true;
  b.value = go_parse_bool(value);
  if (!b.value) {
    b.value = true;
    b.parse_error = true;
  }
  return b;
}

}  // namespace llmon::tuning
