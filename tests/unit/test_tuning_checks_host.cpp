// The host checks and the model placement checks.
#include <doctest/doctest.h>

#include "collectors/tuning/checks.hpp"
#include "collectors/tuning/gpu_memory.hpp"

using namespace llmon::tuning;

namespace {

constexpr double kGiB = 1024.0 * 1024 * 1024;

// Strix Halo: 512 MiB carve-out... here 4 GiB of VRAM and a 96 GiB GTT pool.
GpuView strix_halo() {
  GpuView g;
  g.gpu = "0";
  g.card = "card1";
  g.gfx_target = "gfx1151";
  g.vram_total_bytes = 4 * kGiB;
  g.gtt_total_bytes = 96 * kGiB;
  g.performance_level = "auto";
  return g;
}

HostView clean_host() {
  HostView h;
  h.kernel_cmdline = std::vector<KernelParam>{
      {"root", "/dev/nvme0n1p2"}, {"ttm.pages_limit", "25165824"}, {"quiet", std::nullopt}};
  h.kernel_release = "6.18.5";
  h.ttm_module = TtmModule::kTtm;
  h.ttm_pages_limit = 25165824;  // x 4096 = 96 GiB
  h.gpus = std::vector<GpuView>{strix_halo()};
  h.expected_performance_level = "auto";
  return h;
}

InstanceView instance_with(std::vector<ModelView> loaded) {
  InstanceView i;
  i.name = "default";
  i.polled = i.up = true;
  i.loaded = std::move(loaded);
  return i;
}

}  // namespace

TEST_CASE("is_integrated follows Ollama's rule") {
  CHECK(is_integrated(strix_halo()));
  GpuView dgpu = strix_halo();
  dgpu.vram_total_bytes = 24 * kGiB;
  CHECK_FALSE(is_integrated(dgpu));
  GpuView carve_out = strix_halo();  // a 96 GiB BIOS carve-out: Ollama sees a big "dGPU"
  carve_out.vram_total_bytes = 96 * kGiB;
  carve_out.gtt_total_bytes = 16 * kGiB;
  CHECK_FALSE(is_integrated(carve_out));
  CHECK(*model_capacity_bytes({strix_halo(), dgpu}) == doctest::Approx(124 * kGiB));
}

TEST_CASE("gtt_limit: clean when the command line, the live limit and the pool agree") {
  auto r = check_gtt_limit(clean_host());
  CHECK(r->state == CheckState::kOk);
  CHECK(r->evidence.at(0) == "GPU 0's GTT pool (96.0 GiB) matches the live TTM limit");
  // Without a GPU to compare with, the OK line still says what was looked at.
  HostView no_gpu = clean_host();
  no_gpu.gpus->clear();
  CHECK(
      check_gtt_limit(no_gpu)->evidence ==
      std::vector<std::string>{"the kernel command line's ttm.pages_limit=25165824 is in effect"});
  no_gpu.kernel_cmdline = std::vector<KernelParam>{};
  CHECK(check_gtt_limit(no_gpu)->evidence ==
        std::vector<std::string>{
            "no GTT size on the kernel command line (the driver's default pool)"});
}

TEST_CASE("gtt_limit: the wrong module, a stale value, deprecated and mistyped parameters") {
  HostView h = clean_host();
  SUBCASE("ttm.pages_limit with AMD's DKMS driver, which reads amdttm.pages_limit") {
    h.ttm_module = TtmModule::kAmdttm;
    h.ttm_pages_limit = 8388608;
    h.gpus->at(0).gtt_total_bytes = 32 * kGiB;
    auto r = check_gtt_limit(h);
    CHECK(r->state == CheckState::kDrift);
    CHECK(r->expected == "amdttm.pages_limit=25165824");
    CHECK(r->actual == "ttm.pages_limit=25165824");
  }
  SUBCASE("the command line value never took effect") {
    h.ttm_pages_limit = 8388608;
    h.gpus->at(0).gtt_total_bytes = 32 * kGiB;
    auto r = check_gtt_limit(h);
    CHECK(r->state == CheckState::kDrift);
    CHECK(r->actual == "8388608 pages live");
    CHECK(r->fix.find("update-initramfs") != std::string::npos);
  }
  SUBCASE("the pool does not match the live limit") {
    h.gpus->at(0).gtt_total_bytes = 62 * kGiB;
    auto r = check_gtt_limit(h);
    CHECK(r->state == CheckState::kDrift);
    CHECK(r->expected == "96.0 GiB GTT");
    CHECK(r->actual == "62.0 GiB GTT");
  }
  SUBCASE("amdgpu.gttsize (deprecated) and amdgpu.gtt_size (no such parameter)") {
    h.kernel_cmdline->push_back({"amdgpu.gttsize", "98304"});
    h.kernel_cmdline->push_back({"amdgpu.gtt_size", "98304"});
    auto r = check_gtt_limit(h);
    CHECK(r->state == CheckState::kDrift);
    CHECK(r->actual == "amdgpu.gttsize=98304");
    CHECK(r->evidence.size() == 3);  // both parameters, plus the pool line that is fine
  }
  SUBCASE("a dGPU's pool is not compared with the TTM limit") {
    h.gpus->at(0).vram_total_bytes = 24 * kGiB;
    h.gpus->at(0).gtt_total_bytes = 16 * kGiB;
    CHECK(check_gtt_limit(h)->state == CheckState::kOk);
  }
  SUBCASE("nothing readable is unknown") {
    h.kernel_cmdline.reset();
    h.ttm_pages_limit.reset();
    CHECK(check_gtt_limit(h)->state == CheckState::kUnknown);
  }
}

TEST_CASE("performance_level: every GPU against the expected level") {
  HostView h = clean_host();
  CHECK(check_performance_level(h)->state == CheckState::kOk);
  CHECK(check_performance_level(h)->evidence ==
        std::vector<std::string>{"every GPU's power_dpm_force_performance_level is auto"});
  h.gpus->at(0).performance_level = "manual";
  auto r = check_performance_level(h);
  CHECK(r->state == CheckState::kDrift);
  CHECK(r->actual == "gpu 0: manual");
  CHECK(r->fix.find("/sys/class/drm/card1/device/power_dpm_force_performance_level") !=
        std::string::npos);
  h.expected_performance_level = "";
  CHECK_FALSE(check_performance_level(h));
  h.expected_performance_level = "auto";
  h.gpus->at(0).performance_level.reset();
  CHECK(check_performance_level(h)->state == CheckState::kUnknown);
  h.gpus.reset();
  CHECK(check_performance_level(h)->state == CheckState::kUnknown);
}

TEST_CASE("cpu_fallback: a loaded model partly or wholly on the CPU, as `ollama ps` says") {
  const HostView h = clean_host();
  const ModelView on_gpu{"qwen3-coder:30b", "qwen3moe", 32'000'000'000, 32'000'000'000, false};
  ModelView split{"llama3.3:70b", "llama", 48'000'000'000, 31'200'000'000, false};
  CHECK(check_cpu_fallback(instance_with({on_gpu}), h)->state == CheckState::kOk);
  CHECK(check_cpu_fallback(instance_with({on_gpu}), h)->evidence ==
        std::vector<std::string>{"the loaded model is wholly on the GPU"});
  auto r = check_cpu_fallback(instance_with({on_gpu, split}), h);
  CHECK(r->state == CheckState::kDrift);
  CHECK(r->actual == "llama3.3:70b 35% CPU");
  CHECK(r->evidence.at(0) == "llama3.3:70b is 35% on the CPU (48.0 GB in all, 31.2 GB on the GPU)");
  split.size_vram = 0;
  CHECK(check_cpu_fallback(instance_with({split}), h)->actual == "llama3.3:70b 100% CPU");
  // Nothing loaded: nothing is on the CPU.
  CHECK(check_cpu_fallback(instance_with({}), h)->state == CheckState::kOk);
  // size_vram missing (Ollama 0.1.38 omitted it when 0): not measurable.
  split.size_vram.reset();
  CHECK(check_cpu_fallback(instance_with({split}), h)->state == CheckState::kUnknown);
  // Without an AMD GPU the check does not apply; before the first GPU read it is unknown.
  HostView no_gpu = h;
  no_gpu.gpus = std::vector<GpuView>{};
  CHECK_FALSE(check_cpu_fallback(instance_with({split}), no_gpu));
  no_gpu.gpus.reset();
  CHECK(check_cpu_fallback(instance_with({split}), no_gpu)->state == CheckState::kUnknown);
  InstanceView down = instance_with({});
  down.up = false;
  CHECK(check_cpu_fallback(down, h)->state == CheckState::kUnknown);
}

TEST_CASE("model_too_large: the largest model on disk against VRAM + GTT") {
  const HostView h = clean_host();  // 4 + 96 GiB = 107.4 GB
  InstanceView i = instance_with({});
  i.largest_available = std::pair<std::string, std::int64_t>{"gpt-oss:120b", 65'000'000'000};
  CHECK(check_model_too_large(i, h)->state == CheckState::kOk);
  i.largest_available->second = 140'000'000'000;
  auto r = check_model_too_large(i, h);
  CHECK(r->state == CheckState::kDrift);
  CHECK(r->expected == "largest model <= 107.4 GB");
  CHECK(r->actual == "gpt-oss:120b 140.0 GB");
  i.largest_available.reset();
  CHECK(check_model_too_large(i, h)->state == CheckState::kOk);
}
