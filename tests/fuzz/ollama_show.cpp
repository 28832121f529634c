// /api/show bodies: a model's capabilities.
#include "collectors/ollama/api.hpp"
#include "tests/fuzz/fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace llmon;
  const auto capabilities = ollama::parse_show_capabilities(fuzz::as_text(data, size));
  if (!capabilities) {
    fuzz::check_error(capabilities.error());
    return 0;
  }
  (void)ollama::can_generate(*capabilities);
  return 0;
}
