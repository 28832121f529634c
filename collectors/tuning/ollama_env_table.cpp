// The table behind ollama_env.hpp. Sources, unless a row says otherwise:
//  - Ollama's envconfig/config.go at every release tag v0.1.39..v0.32.15 (`git show
//    vX:envconfig/config.go` in github.com/ollama/ollama, diffed tag to tag), and for earlier
//    tags and variables read outside envconfig, `git grep '"OLLAMA_..."' vX -- '*.go'` (test
//    files, app/ and cmd/ excluded). "first" is the first release tag reading it, "removed" the
//    first release tag that does not. Release candidates are not rows: see ollama_env.cpp.
//  - Defaults: config.go at v0.32.15 (AsMap and the Uint/BoolWithDefault call sites), and
//    /work/shared/research/tuning-drift.md section B (table and version history).
//  - The GPU/memory/concurrency subset (`tuning`): research note section B, last paragraph.
#include "collectors/tuning/ollama_env.hpp"

#include <array>

namespace llmon::tuning {

namespace {

using K = EnvKind;
using R = EnvReader;

constexpr std::array kTable{
    // --- read by the Ollama server (envconfig, AsMap unless noted) ---
    EnvVarInfo{"OLLAMA_DEBUG", K::kLogLevel, R::kOllama, "INFO", {{"0.1.21", ""}}, false, false,
               "a Bool until v0.7.0; since then 1/true DEBUG, 2 TRACE, anything else INFO"},
    EnvVarInfo{"OLLAMA_DEBUG_LOG_REQUESTS", K::kBool, R::kOllama, "false", {{"0.18.3", ""}},
               false, false, ""},
    EnvVarInfo{"OLLAMA_GO_TEMPLATE", K::kBool, R::kOllama, "true", {{"0.30.0", ""}}, false, false,
               ""},
    EnvVarInfo{"OLLAMA_FLASH_ATTENTION", K::kBool, R::kOllama, "auto", {{"0.1.39", ""}}, true,
               false,
               "unset: llama-server --flash-attn auto (off where unsupported) since v0.30.0; "
               "an unparsable value such as \"off\" turns it on"},
    EnvVarInfo{"OLLAMA_KV_CACHE_TYPE", K::kString, R::kOllama, "", {{"0.5.0", ""}}, true, false,
               "empty means f16; passed as --cache-type-k/-v since v0.30.0"},
    EnvVarInfo{"OLLAMA_GPU_OVERHEAD", K::kUint, R::kOllama, "0", {{"0.3.10", ""}}, true, false,
               "bytes of VRAM reserved per GPU"},
    EnvVarInfo{"OLLAMA_IGPU_ENABLE", K::kBool, R::kOllama, "", {{"0.30.0", ""}}, true, false,
               "unset: only allow-listed iGPUs (gfx1151 since v0.30.1); true/false overrides"},
    EnvVarInfo{"LLAMA_ARG_FIT", K::kString, R::kOllama, "", {{"0.30.0", ""}}, true, false,
               "read by llama-server itself; llama.cpp's default is \"on\""},
    EnvVarInfo{"LLAMA_ARG_FIT_TARGET", K::kString, R::kOllama, "", {{"0.30.0", ""}}, true, false,
               "free VRAM margin per device for llama.cpp's fit, MiB"},
    EnvVarInfo{"OLLAMA_HOST", K::kUrl, R::kOllama, "http://127.0.0.1:11434", {{"0.0.1", ""}},
               false, false, ""},
    EnvVarInfo{"OLLAMA_KEEP_ALIVE", K::kDuration, R::kOllama, "5m", {{"0.1.29", ""}}, true, false,
               "Go duration or integer seconds; negative = forever; unparsable = 5m, silently"},
    EnvVarInfo{"OLLAMA_LLM_LIBRARY", K::kString, R::kOllama, "", {{"0.1.21", ""}}, true, false,
               ""},
    EnvVarInfo{"OLLAMA_LOAD_TIMEOUT", K::kDuration, R::kOllama, "5m", {{"0.3.10", ""}}, true,
               false, "zero or negative = forever"},
    EnvVarInfo{"OLLAMA_MAX_LOADED_MODELS", K::kUint, R::kOllama, "0", {{"0.1.33", ""}}, true,
               false, "0 = 3 x the number of GPUs (server/sched.go)"},
    EnvVarInfo{"OLLAMA_MAX_TRANSFER_STREAMS", K::kUint, R::kOllama, "4", {{"0.23.3", ""}}, false,
               false, "safetensors pulls and pushes only"},
    EnvVarInfo{"OLLAMA_MAX_QUEUE", K::kUint, R::kOllama, "512", {{"0.1.34", ""}}, true, false, ""},
    EnvVarInfo{"OLLAMA_MODELS", K::kPath, R::kOllama, "$HOME/.ollama/models", {{"0.1.6", ""}},
               false, false, ""},
    EnvVarInfo{"OLLAMA_NO_CLOUD", K::kBool, R::kOllama, "false", {{"0.16.2", ""}}, false, false,
               "also ~/.ollama/server.json disable_ollama_cloud"},
    EnvVarInfo{"OLLAMA_NOHISTORY", K::kBool, R::kOllama, "false", {{"0.1.39", ""}}, false, false,
               "client side: readline history"},
    EnvVarInfo{"OLLAMA_NOPRUNE", K::kBool, R::kOllama, "false", {{"0.0.19", ""}}, false, false,
               ""},
    EnvVarInfo{"OLLAMA_NUM_PARALLEL", K::kUint, R::kOllama, "1", {{"0.1.33", ""}}, true, false,
               "Ollama forces 1 for embedding models and some architectures (server/sched.go)"},
    EnvVarInfo{"OLLAMA_ORIGINS", K::kList, R::kOllama, "", {{"0.0.14", ""}}, false, false, ""},
    EnvVarInfo{"OLLAMA_SCHED_SPREAD", K::kBool, R::kOllama, "false", {{"0.1.45", ""}}, true,
               false, ""},
    EnvVarInfo{"OLLAMA_CONTEXT_LENGTH", K::kUint, R::kOllama, "0", {{"0.5.13", ""}}, true, false,
               "0 = 4096, 32768 or 262144 by total VRAM (< 23 GiB, >= 23 GiB, >= 47 GiB)"},
    EnvVarInfo{"OLLAMA_EDITOR", K::kString, R::kOllama, "", {{"0.16.0", ""}}, false, false,
               "client side"},
    EnvVarInfo{"OLLAMA_REMOTES", K::kList, R::kOllama, "ollama.com", {{"0.12.0", ""}}, false,
               false, ""},
    EnvVarInfo{"OLLAMA_VULKAN", K::kBool, R::kOllama, "true", {{"0.12.11", ""}}, true, false,
               "opt-in until v0.30.0; since then on whenever the Vulkan backend is installed"},
    EnvVarInfo{"OLLAMA_AUTH", K::kBool, R::kOllama, "false", {{"0.8.0", ""}}, false, false,
               "read, not logged in \"server config\""},
    // Read outside envconfig: server/routes.go, server/cloud_proxy.go, server/quantization.go.
    EnvVarInfo{"OLLAMA_EXPERIMENT", K::kList, R::kOllama, "", {{"0.6.0", ""}}, false, false, ""},
    EnvVarInfo{"OLLAMA_CLOUD_BASE_URL", K::kUrl, R::kOllama, "", {{"0.18.0", ""}}, false, false,
               ""},
    EnvVarInfo{"OLLAMA_LLAMA_CPP_COMPAT", K::kString, R::kOllama, "", {{"0.30.0", ""}}, false,
               false, "Ollama's llama.cpp compatibility layer; set by Ollama for llama-quantize"},
    EnvVarInfo{"OLLAMA_REGISTRY_MAXSTREAMS", K::kUint, R::kOllama, "", {{"0.5.13", "0.31.2"}},
               false, false, ""},
    EnvVarInfo{"OLLAMA_LIBRARY_PATH", K::kPath, R::kOllama, "", {{"0.6.7", "0.32.6"}}, false,
               false, "set by Ollama for its own subprocesses"},
    // --- no longer read ---
    EnvVarInfo{"OLLAMA_NEW_ENGINE", K::kBool, R::kOllama, "false", {{"0.5.12", "0.30.0"}}, false,
               false, "llama-server is the only engine since v0.30.0"},
    EnvVarInfo{"OLLAMA_MULTIUSER_CACHE", K::kBool, R::kOllama, "false", {{"0.3.13", "0.30.0"}},
               false, false, ""},
    EnvVarInfo{"OLLAMA_NEW_ESTIMATES", K::kBool, R::kOllama, "false", {{"0.11.5", "0.11.11"}},
               false, false, ""},
    EnvVarInfo{"OLLAMA_INTEL_GPU", K::kBool, R::kOllama, "false", {{"0.1.45", "0.12.11"}}, false,
               false, "removed with the Vulkan backend's arrival (commit 6286d9a3a)"},
    EnvVarInfo{"OLLAMA_MAX_VRAM", K::kUint, R::kOllama, "0", {{"0.1.29", "0.2.8"}, {"0.3.2", "0.7.0"}},
               false, false, ""},
    EnvVarInfo{"OLLAMA_RUNNERS_DIR", K::kPath, R::kOllama, "", {{"0.1.33", "0.3.11"}}, false,
               false, ""},
    EnvVarInfo{"OLLAMA_TMPDIR", K::kPath, R::kOllama, "", {{"0.1.32", "0.5.2"}}, false, false, ""},
    // --- device selection: in Ollama's AsMap (non-darwin) and read by the GPU runtimes ---
    EnvVarInfo{"HSA_OVERRIDE_GFX_VERSION", K::kGfxVersion, R::kRocm, "", {}, true, true,
               "per GPU: HSA_OVERRIDE_GFX_VERSION_<n> (ollama docs/gpu.mdx \"Overrides on Linux\")"},
    EnvVarInfo{"HIP_VISIBLE_DEVICES", K::kDevices, R::kRocm, "", {}, true, false, ""},
    EnvVarInfo{"ROCR_VISIBLE_DEVICES", K::kDevices, R::kRocm, "", {}, true, false, ""},
    EnvVarInfo{"GPU_DEVICE_ORDINAL", K::kDevices, R::kRocm, "", {}, true, false, ""},
    EnvVarInfo{"CUDA_VISIBLE_DEVICES", K::kDevices, R::kRocm, "", {}, true, false,
               "NVIDIA's runtime"},
    EnvVarInfo{"GGML_VK_VISIBLE_DEVICES", K::kDevices, R::kRocm, "", {}, true, false,
               "ggml's Vulkan backend; in Ollama's AsMap since v0.12.6"},
    // --- ROCm runtime knobs (ROCm/ROCR-Runtime src/core/util/flag.h; ROCm/clr
    //     rocclr/utils/flags.hpp; research note A.1 item 5) ---
    EnvVarInfo{"HSA_ENABLE_SDMA", K::kString, R::kRocm, "", {}, false, false,
               "ROCr: 0 disables SDMA copy engines"},
    EnvVarInfo{"HSA_XNACK", K::kString, R::kRocm, "", {}, false, false,
               "only MI products support XNACK; informational on gfx1151"},
    EnvVarInfo{"GPU_MAX_HEAP_SIZE", K::kUint, R::kRocm, "100", {}, false, false,
               "ROCclr: GPU heap as % of board memory"},
    EnvVarInfo{"GPU_SINGLE_ALLOC_PERCENT", K::kUint, R::kRocm, "", {}, false, false,
               "ROCclr: largest single allocation as % of board memory"},
    EnvVarInfo{"GPU_MAX_ALLOC_PERCENT", K::kUint, R::kNoneKnown, "", {}, false, false,
               "no known effect: not a ROCclr flag under HIP (GPU_SINGLE_ALLOC_PERCENT is)"},
};

}  // namespace

std::span<const EnvVarInfo> ollama_env_table() { return kTable; }

}  // namespace llmon::tuning
