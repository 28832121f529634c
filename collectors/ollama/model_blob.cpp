#include "collectors/ollama/model_blob.hpp"

#include <algorithm>

#include "collectors/process/proc_pid.hpp"

namespace llmon::ollama {

namespace {

// /api/show renders the whole Modelfile, TEMPLATE and LICENSE included: bound the scan.
constexpr std::size_t kMaxModelfileLines = 100000;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
  return out;
}

bool is_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  });
}

std::string_view trim_view(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

std::optional<std::string> blob_digest_from_path(std::string_view path) {
  const std::string_view file = proc::program_name(path);
  constexpr std::size_t kHexChars = 64;
  if (file.size() != 7 + kHexChars || file.substr(0, 6) != "sha256" ||
      (file[6] != '-' && file[6] != ':')) {
    return std::nullopt;
  }
  const std::string_view hex = file.substr(7);
  if (!is_hex(hex)) return std::nullopt;
  return "sha256:" + lower(hex);
}

std::optional<std::string> parse_modelfile_from(std::string_view modelfile) {
  std::size_t pos = 0;
  for (std::size_t n = 0; pos < modelfile.size() && n < kMaxModelfileLines; ++n) {
    const auto eol = modelfile.find('\n', pos);
    const auto end = eol == std::string_view::npos ? modelfile.size() : eol;
    const std::string_view line = trim_view(modelfile.substr(pos, end - pos));
    pos = end + 1;
    if (line.size() < 5 || lower(line.substr(0, 4)) != "from" ||
        (line[4] != ' ' && line[4] != '\t')) {
      continue;
    }
    std::string_view arg = trim_view(line.substr(5));
    if (arg.size() >= 2 && arg.front() == '"' && arg.back() == '"') {
      arg = arg.substr(1, arg.size() - 2);
    }
    // Only the first FROM is the model; later ones are projectors (ollama server/images.go).
    return blob_digest_from_path(arg);
  }
  return std::nullopt;
}

std::vector<std::string> model_names_for_digest(std::string_view digest,
                                                const std::vector<ModelBlob>& models) {
  std::vector<std::string> names;
  for (const auto& m : models) {
    if (m.digest == digest) names.push_back(m.model);
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

}  // namespace llmon::ollama
