// /api/tags bodies: the models on disk.
#include "collectors/ollama/api.hpp"
#include "tests/fuzz/fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace llmon;
  const auto models = ollama::parse_tags(fuzz::as_text(data, size));
  if (!models) fuzz::check_error(models.error());
  return 0;
}
