#pragma once
// Model weight blobs: the digest in a blob path, the FROM line of /api/show's Modelfile, and
// matching a runner's blob to model names. Pure functions; safe to call from any thread.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace llmon::ollama {

// "sha256:<hex>" from a path whose file name is "sha256-<64 hex>" (or the old "sha256:<hex>").
std::optional<std::string> blob_digest_from_path(std::string_view path);

// The blob digest of the first `FROM` command of a Modelfile, as /api/show's "modelfile" field
// renders it: comments ("# FROM llama3:8b") skipped, FROM in any case, the path optionally
// quoted. nullopt when the FROM is a model name (an MLX or remote model) rather than a blob.
std::optional<std::string> parse_modelfile_from(std::string_view modelfile);

// One model's name and the digest of its weights blob (parse_modelfile_from of /api/show).
struct ModelBlob {
  std::string model;
  std::string digest;
};

// Every model name whose blob is `digest`, sorted and unique. Ollama keys runners by model path,
// so names sharing a blob (ollama cp) share one runner: more than one name is ambiguous.
std::vector<std::string> model_names_for_digest(std::string_view digest,
                                                const std::vector<ModelBlob>& models);

}  // namespace llmon::ollama
