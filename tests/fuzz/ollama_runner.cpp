// An Ollama model runner's cmdline (as /proc/<pid>/cmdline holds it), and the other strings
// the tuning checks read from Ollama: versions, gfx targets, HSA_OVERRIDE_GFX_VERSION, the FROM
// line of a Modelfile.
#include "collectors/ollama/model_blob.hpp"
#include "collectors/process/proc_pid.hpp"
#include "collectors/tuning/gfx_target.hpp"
#include "collectors/tuning/ollama_version.hpp"
#include "collectors/tuning/runners.hpp"
#include "tests/fuzz/fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace llmon;
  const std::string_view text = fuzz::as_text(data, size);
  if (const auto runner = tuning::parse_runner_cmdline(proc::parse_cmdline(text))) {
    (void)runner->context_per_slot();
    (void)runner->kv_cache_type();
  }
  (void)tuning::parse_ollama_version(text);
  (void)tuning::parse_gfx_target(text);
  (void)tuning::hsa_override_target(text);
  (void)ollama::parse_modelfile_from(text);
  (void)ollama::blob_digest_from_path(text);
  return 0;
}
