// The TOML configuration file, and the round trip check-config relies on: what render_config
// prints parses back to the same configuration (the same rendering).
#include "daemon/config.hpp"

#include "tests/fuzz/fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace llmon;
  fuzz::quiet_logs();
  const auto config = parse_config(fuzz::as_text(data, size), "fuzz.toml");
  if (!config) {
    // Every problem is reported (one line each), so the bound grows with the input.
    fuzz::check_error(config.error(), 4096 + 4 * size);
    return 0;
  }
  const std::string rendered = render_config(*config);
  const auto reparsed = parse_config(rendered, "rendered.toml");
  if (!reparsed) {
    std::fprintf(stderr, "render_config output:\n%s\nerror: %s\n", rendered.c_str(),
                 reparsed.error().message.c_str());
  }
  fuzz::check(reparsed.ok(), "render_config output parses");
  const std::string again = render_config(*reparsed);
  if (again != rendered) {
    std::fprintf(stderr, "first:\n%s\nsecond:\n%s\n", rendered.c_str(), again.c_str());
  }
  fuzz::check(again == rendered, "render -> parse -> render is stable");
  return 0;
}
