#pragma once
// Ollama version strings (/api/version) and their order. Value type and pure functions; safe to
// call from any thread.
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace llmon::tuning {

struct OllamaVersion {
  std::uint32_t major = 0;
  std::uint32_t minor = 0;
  std::uint32_t patch = 0;
  std::string prerelease;           // "rc2" for "0.33.0-rc2"; empty for a release
  std::uint32_t commits_after = 0;  // a local build's `git describe`: "0.30.1-3-gabc1234" -> 3
  bool dirty = false;               // ... "-dirty"

  // 0.0.0 is what Ollama reports when built without a version stamp (version.Version's
  // default): nothing is known about what it reads.
  bool dev_build() const { return major == 0 && minor == 0 && patch == 0; }
  bool release() const { return prerelease.empty(); }
  // "0.30.1", "0.33.0-rc2", "0.30.1-3-gabc1234" without the hash: for messages.
  std::string to_string() const;

  // Semantic-version order, with pre-release identifiers compared naturally (rc2 < rc10, as
  // Ollama numbers them: v0.30.0-rc28 exists) and a described build after its tag.
  std::strong_ordering operator<=>(const OllamaVersion& o) const;
  bool operator==(const OllamaVersion& o) const { return (*this <=> o) == 0; }
};

// "0.30.1", "v0.30.1", "0.33.0-rc2", "0.30.1-3-gabc1234[-dirty]" (Ollama's scripts/env.sh
// `git describe --tags --long --dirty`), "0.0.0"; "+build" metadata is ignored, as semver says.
// Surrounding whitespace is ignored; anything else (a bare commit hash, "1.2", "0.30.1.4") is
// nullopt.
std::optional<OllamaVersion> parse_ollama_version(std::string_view text);

// The release vMAJOR.MINOR.PATCH, for tables of "first read in vX" facts.
inline OllamaVersion release_of(std::uint32_t major, std::uint32_t minor, std::uint32_t patch) {
  return OllamaVersion{major, minor, patch, {}, 0, false};
}

}  // namespace llmon::tuning
