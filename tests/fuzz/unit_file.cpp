// systemd unit files and drop-ins, and the Environment=/EnvironmentFile= values in them.
#include "collectors/tuning/unit_environment.hpp"
#include "collectors/tuning/unit_syntax.hpp"
#include "tests/fuzz/fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace llmon;
  const std::string_view text = fuzz::as_text(data, size);
  (void)tuning::parse_unit_file(text, "fuzz.service");
  (void)tuning::parse_environment_file(text);
  (void)tuning::parse_environment_value(text);
  (void)tuning::parse_unset_environment(text);
  return 0;
}
