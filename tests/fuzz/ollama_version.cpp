// /api/version bodies, and the helpers that quote Ollama's bodies and digests in log lines.
#include "collectors/ollama/api.hpp"
#include "tests/fuzz/fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace llmon;
  const std::string_view text = fuzz::as_text(data, size);
  if (const auto version = ollama::parse_version(text); !version) {
    fuzz::check_error(version.error());
  }
  fuzz::check(ollama::error_message(text).size() <= 1024, "error_message is bounded");
  fuzz::check(ollama::short_digest(text).size() <= 12, "short_digest is at most 12 digits");
  return 0;
}
