#pragma once
// BenchPrompt: one synthetic benchmark prompt and its sampling settings, and the built-in suite
// of six coding prompts. Plain values; builtin_suite() is immutable and safe from any thread.
#include <cstdint>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace llmon::bench {

struct BenchPrompt {
  std::string name;    // metric label: [a-z0-9_]
  std::string prompt;  // sent after the cache-defeating nonce (see request.hpp)
  // ECMAScript regex that a correct answer contains somewhere (regex_search, not a full match);
  // lenient on purpose: it tells a working model from garbage, it does not grade quality.
  std::optional<std::string> expect;
  std::int64_t num_predict = 256;
  double temperature = 0.0;  // with a fixed seed: repeatable output, comparable runs
  std::int64_t seed = 42;
  std::string api = "generate";  // "generate" (/api/generate) or "chat" (/api/chat)
  // For thinking models: "false", "true", "low", "medium", "high"; nullopt: the lowest the model
  // accepts (think.hpp). The built-in suite leaves it unset.
  std::optional<std::string> think;
};

const std::vector<BenchPrompt>& builtin_suite();

// `pattern` as an ECMAScript std::regex, matched in time polynomial in the answer's length and
// with bounded stack. Rejected, with an error naming the pattern and what is wrong: syntax
// errors, back-references, patterns over kMaxExpectBytes (deep nesting overflows the regex
// compiler's stack) and repeat counts over kMaxExpectRepeat.
inline constexpr std::size_t kMaxExpectBytes = 1024;
inline constexpr int kMaxExpectRepeat = 1000;
Expected<std::regex> compile_expect(const std::string& pattern);

}  // namespace llmon::bench
