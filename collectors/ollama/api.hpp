#pragma once
// Ollama's HTTP API responses (/api/version, /api/ps, /api/tags) as plain structs, and pure
// parsers that tolerate older servers (missing fields) and newer ones (extra fields) but reject
// malformed documents with an error that says where.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/http_client.hpp"
#include "common/result.hpp"

namespace llmon::ollama {

// What a real Ollama can report in /api/ps and /api/tags (docs/metrics.md, "Impossible values").
// A number outside is not a measurement: the parsers leave it absent (a size: 0, unknown) and
// name it in the model's `impossible` note. Generous by orders of magnitude: the largest models
// published take about 2 TB at 16 bits, and no context window reaches 10^8 tokens.
inline constexpr std::int64_t kMaxPlausibleBytes = std::int64_t{1} << 50;  // 1 PiB
inline constexpr std::int64_t kMaxPlausibleContextLength = 100'000'000;
// Text fields (names, digests, details, versions, error messages) longer than this are replaced
// by their label_value (common/label_value.hpp: 256 bytes ending in a hash of the whole text),
// so a hostile body cannot make llmon hold or export megabytes per field. Ollama's own model
// names are at most 593 bytes (types/model/name.go: host 350, namespace, model and tag 80 each).
inline constexpr std::size_t kMaxTextBytes = 1024;
// List fields inside one model (details.families, /api/show capabilities) keep this many.
inline constexpr std::size_t kMaxListItems = 32;

struct ModelDetails {
  std::string parent_model;
  std::string format;                 // "gguf"
  std::string family;                 // "qwen3moe"
  std::vector<std::string> families;  // may be null in the API: then empty
  std::string parameter_size;         // "30.5B"
  std::string quantization_level;     // "Q8_0"
};

// One entry of /api/ps: a model loaded in memory.
struct LoadedModel {
  std::string name;  // "qwen3-coder:30b-a3b-q8_0", "hf.co/org/Repo-GGUF:Q4_K_M"
  std::string model;
  std::string digest;
  std::int64_t size = 0;                  // bytes: weights + KV cache + compute graph; 0 = unknown
  std::optional<std::int64_t> size_vram;  // bytes on the GPU, at most `size` when that is known
  ModelDetails details;
  std::optional<double> expires_at;            // unix seconds; absent when missing or zero time
  std::optional<std::int64_t> context_length;  // tokens, positive; recent servers only
  // The impossible values the entry claimed, absent above: "size_vram -1; context_length -4096";
  // empty when all were plausible.
  std::string impossible;
};

// One entry of /api/tags: a model available on disk.
struct AvailableModel {
  std::string name;
  std::string model;
  std::string digest;
  std::int64_t size = 0;  // file bytes; 0 = unknown
  ModelDetails details;
  std::optional<double> modified_at;
  std::string impossible;  // as in LoadedModel
};

Expected<std::string> parse_version(std::string_view json);
Expected<std::vector<LoadedModel>> parse_ps(std::string_view json);
// /api/ps with at most `limit` models: those whose names sort first (byte order; of entries
// with one name, the first), in the document's order, so the same models are kept whatever
// order the server lists them in. Every entry is still checked; `left_out` counts the others.
// Holds at most 2 * limit parsed models at a time, however many the document lists.
struct LoadedModels {
  std::vector<LoadedModel> models;
  std::size_t left_out = 0;
};
Expected<LoadedModels> parse_ps(std::string_view json, std::size_t limit);
Expected<std::vector<AvailableModel>> parse_tags(std::string_view json);

// What /api/show says about a model that decides how to prompt it.
struct ShowInfo {
  // "completion", "embedding", "tools", "thinking", ...; empty when the server is too old to
  // report them.
  std::vector<std::string> capabilities;
  std::string family;  // details.family: "gptoss", "qwen3"
  // The template has harmony's message tags (<|start|> and <|end|>), which Ollama's
  // shouldUseHarmony (server/routes.go) requires besides the gptoss / gpt-oss family.
  bool harmony_template = false;
  // The weights blob of the "modelfile" ("FROM /path/blobs/sha256-<hex>" -> "sha256:<hex>", see
  // model_blob.hpp); absent without a modelfile or when its FROM is not a blob.
  std::optional<std::string> weights_digest;
};
Expected<ShowInfo> parse_show(std::string_view json);
// parse_show's capabilities alone.
Expected<std::vector<std::string>> parse_show_capabilities(std::string_view json);

// Whether a model with these capabilities can answer /api/generate and /api/chat (true when
// unknown: older servers do not list capabilities).
bool can_generate(const std::vector<std::string>& capabilities);

// RFC 3339 as Go's time.Time marshals it ("2026-11-23T17:45:12.123456789+01:00", "...Z") to
// unix seconds. Years 0001-9999; the zero time "0001-01-01T00:00:00Z" parses (callers decide).
Expected<double> parse_rfc3339(std::string_view text);

// The body of a 200 response; any other outcome as an error naming the request ("GET
// http://host:port/api/ps: HTTP 500: <Ollama's error message>").
Expected<std::string> ok_body(const std::string& request, Expected<HttpResponse> response);

// The message of an {"error":"..."} body (bounded as a text field), or the start of a non-JSON
// body, for log lines.
std::string error_message(std::string_view body);

// The first 12 hex digits of a digest ("sha256:abc..." or "abc..."), as `ollama ps` shows it.
std::string short_digest(std::string_view digest);

}  // namespace llmon::ollama
