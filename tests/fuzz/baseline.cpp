// The benchmark baseline state file, and its round trip: what render() writes, load_text()
// reads back to the same contents.
#include "collectors/bench/baseline.hpp"

#include <filesystem>

#include "tests/fuzz/fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace llmon;
  // A small window and key cap so that eviction and trimming run too.
  bench::BaselineStore store("/nonexistent/baselines.json", 4, 8);
  if (const auto error = store.load_text(fuzz::as_text(data, size))) {
    fuzz::check_error({*error});
    fuzz::check(store.size() == 0, "a rejected file leaves the store empty");
    return 0;
  }
  fuzz::check(store.size() <= 8, "at most max_keys keys");
  const std::string rendered = store.render();
  bench::BaselineStore again("/nonexistent/baselines.json", 4, 8);
  const auto error = again.load_text(rendered);
  if (error) std::fprintf(stderr, "%s\n%s\n", rendered.c_str(), error->c_str());
  fuzz::check(!error, "render() output loads");
  const std::string second = again.render();
  if (second != rendered)
    std::fprintf(stderr, "first:\n%s\nsecond:\n%s\n", rendered.c_str(), second.c_str());
  fuzz::check(second == rendered, "render -> load_text -> render is stable");
  return 0;
}
