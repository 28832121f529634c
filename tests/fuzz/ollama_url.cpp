// Ollama addresses as users write them (OLLAMA_HOST style); the normalised URL parses back to
// the same address.
#include "common/ollama_url.hpp"

#include "tests/fuzz/fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace llmon;
  const auto address = parse_ollama_address(fuzz::as_text(data, size));
  if (!address) {
    fuzz::check_error(address.error());
    return 0;
  }
  const auto back = parse_ollama_address(address->url);
  fuzz::check(back.ok(), "the normalised URL parses");
  fuzz::check(
      back->host == address->host && back->port == address->port && back->url == address->url,
      "the normalised URL round-trips");
  return 0;
}
