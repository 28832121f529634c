#include "collectors/bench/prepare.hpp"

namespace llmon::bench {

std::vector<PreparedPrompt> prepare_prompts(const BenchConfig& bench) {
  std::vector<BenchPrompt> prompts;
  if (bench.prompts.empty()) {
    prompts = builtin_suite();
  } else {
    for (const BenchPromptConfig& p : bench.prompts) {
      prompts.push_back(BenchPrompt{p.name, p.prompt, p.expect, p.num_predict, p.temperature,
                                    p.seed, p.api, p.think});
    }
  }
  std::vector<PreparedPrompt> out;
  for (BenchPrompt& p : prompts) {
    PreparedPrompt prepared{p, std::nullopt};
    if (p.expect) {
      if (auto re = compile_expect(*p.expect)) prepared.expect = std::move(re).value();
    }
    out.push_back(std::move(prepared));
  }
  return out;
}

}  // namespace llmon::bench
