// /proc/<pid>/environ, and the Go rules Ollama reads its variables with.
#include "collectors/tuning/proc_environ.hpp"

#include "collectors/tuning/go_env.hpp"
#include "tests/fuzz/fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace llmon;
  const std::string_view text = fuzz::as_text(data, size);
  const auto vars = tuning::parse_environ(text);
  if (!vars) {
    fuzz::check_error(vars.error());
  } else {
    fuzz::check(vars->size() <= tuning::kMaxEnvironVars, "at most kMaxEnvironVars variables");
    for (const auto& v : *vars) {
      fuzz::check(!v.name.empty(), "no empty names");
      fuzz::check(tuning::find_env(*vars, v.name) != nullptr, "every name is found");
    }
  }
  (void)tuning::go_parse_bool(text);
  (void)tuning::go_parse_uint(text);
  (void)tuning::ollama_var_value(text);
  return 0;
}
