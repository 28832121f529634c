// The checks that judge the server's variables by what its Ollama version does with them.
#include <doctest/doctest.h>

#include "collectors/tuning/checks.hpp"

using namespace llmon::tuning;

namespace {

constexpr double kGiB = 1024.0 * 1024 * 1024;

InstanceView with_env(std::map<std::string, std::string> vars, std::string version = "0.30.4") {
  InstanceView i;
  i.name = "default";
  i.polled = i.up = true;
  i.version = std::move(version);
  i.unit_name = "ollama.service";
  ServerView s;
  s.pid = 812;
  Environment env;
  for (auto& [k, v] : vars) env[k] = {v, "process"};
  s.environ = env;
  i.server = s;
  return i;
}

HostView strix_halo() {
  HostView h;
  GpuView g;
  g.gpu = "0";
  g.gfx_target = "gfx1151";
  g.vram_total_bytes = 0.5 * kGiB;
  g.gtt_total_bytes = 96 * kGiB;
  h.gpus = std::vector<GpuView>{g};
  return h;
}

}  // namespace

TEST_CASE("gfx_override: the classic 11.0.0 on a gfx1151 drops the iGPU in Ollama >= 0.30.1") {
  auto r = check_gfx_override(with_env({{"HSA_OVERRIDE_GFX_VERSION", "11.0.0"}}), strix_halo());
  REQUIRE(r);
  CHECK(r->state == CheckState::kDrift);
  CHECK(r->expected == "HSA_OVERRIDE_GFX_VERSION unset");
  CHECK(r->actual == "HSA_OVERRIDE_GFX_VERSION=11.0.0");
  CHECK(r->evidence.at(0) ==
        "HSA_OVERRIDE_GFX_VERSION=11.0.0 but GPU 0 is gfx1151, which Ollama 0.30.4 supports "
        "natively; as a gfx1100 the integrated GPU is not admitted, so every model runs on the "
        "CPU");
  CHECK(r->fix.find("remove HSA_OVERRIDE_GFX_VERSION") == 0);
}

TEST_CASE("gfx_override: the native version is harmless, an unsupported target may need one") {
  auto same = check_gfx_override(with_env({{"HSA_OVERRIDE_GFX_VERSION", "11.5.1"}}), strix_halo());
  CHECK(same->state == CheckState::kOk);
  CHECK(same->evidence.at(0).find("harmless") != std::string::npos);

  HostView phoenix = strix_halo();  // Radeon 780M: not in the ROCm build of Ollama >= 0.31.2
  phoenix.gpus->at(0).gfx_target = "gfx1103";
  auto needed =
      check_gfx_override(with_env({{"HSA_OVERRIDE_GFX_VERSION", "11.0.0"}}, "0.32.0"), phoenix);
  CHECK(needed->state == CheckState::kOk);
  CHECK(needed->evidence.at(0).find("may be what lets it use GPU 0") != std::string::npos);

  CHECK(check_gfx_override(with_env({}), strix_halo())->state == CheckState::kOk);
  auto junk = check_gfx_override(with_env({{"HSA_OVERRIDE_GFX_VERSION", "11.0"}}), strix_halo());
  CHECK(junk->state == CheckState::kDrift);
}

TEST_CASE("gfx_override: a per-GPU override applies to that GPU only") {
  HostView h = strix_halo();
  GpuView dgpu;
  dgpu.gpu = "1";
  dgpu.gfx_target = "gfx1100";
  dgpu.vram_total_bytes = 24 * kGiB;
  h.gpus->push_back(dgpu);
  CHECK(check_gfx_override(with_env({{"HSA_OVERRIDE_GFX_VERSION_1", "11.0.0"}}), h)->state ==
        CheckState::kOk);
  CHECK(check_gfx_override(with_env({{"HSA_OVERRIDE_GFX_VERSION_0", "11.0.0"}}), h)->state ==
        CheckState::kDrift);
  HostView unread;
  CHECK(check_gfx_override(with_env({{"HSA_OVERRIDE_GFX_VERSION", "11.0.0"}}), unread)->state ==
        CheckState::kUnknown);
}

TEST_CASE("unknown_variable: typos, removed variables and folklore") {
  auto r = check_unknown_variable(with_env({{"OLLAMA_NUM_PARALLELS", "2"}}));
  CHECK(r->state == CheckState::kDrift);
  CHECK(r->actual == "OLLAMA_NUM_PARALLELS");
  CHECK(r->evidence.at(0) ==
        "OLLAMA_NUM_PARALLELS is not a variable any Ollama version reads (did you mean "
        "OLLAMA_NUM_PARALLEL?)");
  CHECK(r->fix.find("rename it to OLLAMA_NUM_PARALLEL") == 0);

  r = check_unknown_variable(with_env({{"OLLAMA_NEW_ENGINE", "1"}}));
  CHECK(r->state == CheckState::kDrift);
  CHECK(r->evidence.at(0) ==
        "OLLAMA_NEW_ENGINE is no longer read since Ollama 0.30.0 (Ollama 0.30.4)");

  r = check_unknown_variable(with_env({{"GPU_MAX_ALLOC_PERCENT", "100"}}));
  CHECK(r->state == CheckState::kDrift);
  CHECK(r->evidence.at(0).find("no known effect") != std::string::npos);

  // Everything else a service has (PATH, HOME, ROCm variables the table cannot judge) is fine.
  CHECK(
      check_unknown_variable(
          with_env({{"OLLAMA_KEEP_ALIVE", "30m"}, {"PATH", "/usr/bin"}, {"HSA_ENABLE_SDMA", "0"}}))
          ->state == CheckState::kOk);
}

TEST_CASE("bad_boolean: off is true to Ollama") {
  auto r = check_bad_boolean(with_env({{"OLLAMA_FLASH_ATTENTION", "off"}}));
  CHECK(r->state == CheckState::kDrift);
  CHECK(r->actual == "OLLAMA_FLASH_ATTENTION=off");
  CHECK(r->evidence.at(0) ==
        "OLLAMA_FLASH_ATTENTION=off: Go's strconv.ParseBool rejects \"off\", and Ollama then "
        "treats the variable as true");
  CHECK(check_bad_boolean(with_env({{"OLLAMA_FLASH_ATTENTION", "1"}, {"OLLAMA_NOPRUNE", "False"}}))
            ->state == CheckState::kOk);
  // Quotes are stripped first (envconfig.Var): '"true"' parses.
  CHECK(check_bad_boolean(with_env({{"OLLAMA_FLASH_ATTENTION", "\"true\""}}))->state ==
        CheckState::kOk);
}

TEST_CASE("parallel_mismatch: -np against OLLAMA_NUM_PARALLEL, with Ollama's own exceptions") {
  InstanceView i = with_env({{"OLLAMA_NUM_PARALLEL", "4"}});
  CHECK(check_parallel_mismatch(i)->state == CheckState::kUnknown);  // no runner yet
  RunnerView coder;
  coder.pid = 913;
  coder.model = "qwen3-coder:30b";
  coder.family = "qwen3moe";
  coder.llama_server = true;
  coder.parallel = 4;
  i.runners = {coder};
  CHECK(check_parallel_mismatch(i)->state == CheckState::kOk);
  CHECK(check_parallel_mismatch(i)->evidence ==
        std::vector<std::string>{"every runner runs with OLLAMA_NUM_PARALLEL=4 (process)"});

  i.runners[0].parallel = 2;
  auto r = check_parallel_mismatch(i);
  CHECK(r->state == CheckState::kDrift);
  CHECK(r->expected == "4");
  CHECK(r->actual == "qwen3-coder:30b -np 2");

  RunnerView embed = coder;
  embed.model = "nomic-embed-text";
  embed.embedding = true;
  embed.parallel = 1;
  RunnerView vision = coder;
  vision.model = "qwen3-vl:8b";
  vision.family = "qwen3vl";
  vision.parallel = 1;
  i.runners = {embed, vision};
  r = check_parallel_mismatch(i);
  CHECK(r->state == CheckState::kOk);
  CHECK(r->evidence.at(1) ==
        "qwen3-vl:8b runs with 1 slot: Ollama forces that for the qwen3vl "
        "architecture");

  // Unset: the version's default (1 since 0.10.0).
  InstanceView unset = with_env({});
  unset.runners = {coder};
  r = check_parallel_mismatch(unset);
  CHECK(r->state == CheckState::kDrift);
  CHECK(r->expected == "1");
}
