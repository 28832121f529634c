// /api/show bodies: a model's capabilities, family and whether its template is harmony's
// (parse_show; parse_show_capabilities is its capabilities alone).
#include "collectors/ollama/api.hpp"
#include "tests/fuzz/fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace llmon;
  const auto show = ollama::parse_show(fuzz::as_text(data, size));
  if (!show) {
    fuzz::check_error(show.error());
    return 0;
  }
  (void)ollama::can_generate(show->capabilities);
  return 0;
}
