// Ollama versions, the environment variable table and Go's parsing rules as Ollama applies
// them. Facts checked against ollama/ollama's envconfig/config.go at the tags named.
#include <doctest/doctest.h>

#include <set>
#include <string>

#include "collectors/tuning/go_env.hpp"
#include "collectors/tuning/ollama_env.hpp"
#include "collectors/tuning/ollama_version.hpp"

using namespace llmon::tuning;

namespace {

std::optional<OllamaVersion> ver(std::string_view s) {
  auto v = parse_ollama_version(s);
  REQUIRE(v);
  return v;
}

ReadsStatus reads(std::string_view name, std::string_view version) {
  return ollama_version_reads(name, ver(version)).status;
}

}  // namespace

TEST_CASE("version: releases, pre-releases, local builds and dev builds parse") {
  const auto a = ver("0.30.1");
  CHECK(a->major == 0);
  CHECK(a->minor == 30);
  CHECK(a->patch == 1);
  CHECK(a->release());
  CHECK_FALSE(a->dev_build());
  CHECK(ver("v0.30.1\n") == a);
  const auto rc = ver("0.33.0-rc2");
  CHECK(rc->prerelease == "rc2");
  CHECK_FALSE(rc->release());
  const auto local = ver("0.30.1-3-gabc1234");
  CHECK(local->commits_after == 3);
  CHECK(local->prerelease.empty());
  CHECK(local->to_string() == "0.30.1-3");
  const auto dirty = ver("0.33.0-rc2-12-g0123abcd-dirty");
  CHECK(dirty->prerelease == "rc2");
  CHECK(dirty->commits_after == 12);
  CHECK(dirty->dirty);
  CHECK(ver("0.0.0")->dev_build());
  CHECK(ver("0.30.1+rocm")->release());
  for (const char* bad :
       {"", "0.30", "0.30.1.2", "abc1234", "0.30.x", "-0.30.1", "0.30.1-", "0.30.1-rc..1",
        "0.30.1+", "0.30.1-dirty", "0.30.1-rc_1", "v", "4294967296.0.0"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_ollama_version(bad));
  }
}

TEST_CASE("version: order is semver with natural pre-release numbers") {
  CHECK(*ver("0.9.0") < *ver("0.10.0"));
  CHECK(*ver("0.30.0-rc2") < *ver("0.30.0-rc10"));
  CHECK(*ver("0.30.0-rc28") < *ver("0.30.0"));
  CHECK(*ver("0.30.0") < *ver("0.30.0-1-gabcd"));
  CHECK(*ver("0.30.0-1-gabcd") < *ver("0.30.1-rc0"));
  CHECK(*ver("0.30.0-alpha") < *ver("0.30.0-beta"));
  CHECK(*ver("0.30.0-rc1") < *ver("0.30.0-rc1.1"));
  CHECK(*ver("0.30.0-1") < *ver("0.30.0-rc"));  // numeric identifiers sort first (semver)
  CHECK(*ver("0.30.0-rc00000000000000000000002") < *ver("0.30.0-rc10"));
  CHECK(*ver("v0.32.15") == *ver("0.32.15"));
}

TEST_CASE("go: strconv.ParseBool accepts exactly twelve spellings") {
  for (const char* t : {"1", "t", "T", "TRUE", "true", "True"}) CHECK(go_parse_bool(t) == true);
  for (const char* f : {"0", "f", "F", "FALSE", "false", "False"}) CHECK(go_parse_bool(f) == false);
  for (const char* bad : {"on", "off", "yes", "no", "tRUE", "enabled", "", " 1", "1 ", "2"}) {
    CAPTURE(bad);
    CHECK_FALSE(go_parse_bool(bad));
  }
}

TEST_CASE("go: ParseUint base 10, TrimSpace, and envconfig.Var's quote stripping") {
  CHECK(go_parse_uint("2") == 2u);
  CHECK(go_parse_uint("18446744073709551615") == 18446744073709551615u);
  for (const char* bad : {"", "-1", "+1", " 1", "1_000", "0x10", "18446744073709551616"}) {
    CHECK_FALSE(go_parse_uint(bad));
  }
  CHECK(go_trim_space(" \t\v\f\r\n x y \n") == "x y");
  CHECK(go_trim_space("\xC2\xA0x\xE3\x80\x80") == "x");      // NBSP, ideographic space
  CHECK(go_trim_space("\xE2\x80\x8Bx") == "\xE2\x80\x8Bx");  // zero-width space is not space
  CHECK(go_trim_space("\xA0x") == "\xA0x");                  // invalid UTF-8 is not space
  CHECK(ollama_var_value("  \"q8_0\"  ") == "q8_0");
  CHECK(ollama_var_value("'\"1\"'") == "1");
  CHECK(ollama_var_value("\" 1 \"") == " 1 ");  // spaces inside the quotes stay
  CHECK(ollama_var_value("\"\"") == "");
}

TEST_CASE("bool: an unparsable value is true in every Bool/BoolWithDefault (v0.32.15)") {
  const auto latest = ver("0.32.15");
  const auto off = ollama_bool("OLLAMA_FLASH_ATTENTION", "off", latest);
  REQUIRE(off);
  CHECK(off->set);
  CHECK(off->parse_error);
  CHECK(off->value == true);
  const auto f = ollama_bool("OLLAMA_FLASH_ATTENTION", " \"false\" ", latest);
  CHECK(f->value == false);
  CHECK_FALSE(f->parse_error);
  // Spaces inside quotes survive envconfig.Var, and ParseBool rejects them.
  CHECK(ollama_bool("OLLAMA_SCHED_SPREAD", "\" 0 \"", latest)->parse_error);
  // Unset: the default where it is fixed, absent where Ollama decides (auto, allowlist).
  CHECK(ollama_bool("OLLAMA_VULKAN", "", latest)->value == true);
  CHECK(ollama_bool("OLLAMA_VULKAN", "", ver("0.24.0"))->value == false);
  CHECK_FALSE(ollama_bool("OLLAMA_VULKAN", "", std::nullopt)->value);
  CHECK_FALSE(ollama_bool("OLLAMA_FLASH_ATTENTION", "", latest)->value);
  CHECK_FALSE(ollama_bool("OLLAMA_IGPU_ENABLE", "''", latest)->value);
  CHECK_FALSE(ollama_bool("OLLAMA_IGPU_ENABLE", "''", latest)->set);
  CHECK(ollama_bool("OLLAMA_GO_TEMPLATE", "", latest)->value == true);
  CHECK(ollama_bool("OLLAMA_NOPRUNE", "yes", std::nullopt)->parse_error);
  // Not booleans.
  CHECK_FALSE(ollama_bool("OLLAMA_NUM_PARALLEL", "2", latest));
  CHECK_FALSE(ollama_bool("OLLAMA_TYPO", "1", latest));
  CHECK_FALSE(ollama_bool("OLLAMA_DEBUG", "yes", latest));  // a log level since v0.7.0
  CHECK(ollama_bool("OLLAMA_DEBUG", "yes", ver("0.6.8"))->parse_error);
  CHECK_FALSE(ollama_bool("OLLAMA_DEBUG", "1", std::nullopt));
  CHECK_FALSE(ollama_bool("OLLAMA_NOPRUNE", "1", ver("0.3.0")));  // before envconfig.Bool
}

TEST_CASE("table: every variable of config.go's AsMap at v0.32.15 is known and read") {
  // The AsMap keys of ollama/ollama v0.32.15 envconfig/config.go (proxies excluded).
  for (const char* name : {"OLLAMA_DEBUG",
                           "OLLAMA_DEBUG_LOG_REQUESTS",
                           "OLLAMA_GO_TEMPLATE",
                           "OLLAMA_FLASH_ATTENTION",
                           "OLLAMA_KV_CACHE_TYPE",
                           "OLLAMA_GPU_OVERHEAD",
                           "OLLAMA_IGPU_ENABLE",
                           "LLAMA_ARG_FIT",
                           "LLAMA_ARG_FIT_TARGET",
                           "OLLAMA_HOST",
                           "OLLAMA_KEEP_ALIVE",
                           "OLLAMA_LLM_LIBRARY",
                           "OLLAMA_LOAD_TIMEOUT",
                           "OLLAMA_MAX_LOADED_MODELS",
                           "OLLAMA_MAX_TRANSFER_STREAMS",
                           "OLLAMA_MAX_QUEUE",
                           "OLLAMA_MODELS",
                           "OLLAMA_NO_CLOUD",
                           "OLLAMA_NOHISTORY",
                           "OLLAMA_NOPRUNE",
                           "OLLAMA_NUM_PARALLEL",
                           "OLLAMA_ORIGINS",
                           "OLLAMA_SCHED_SPREAD",
                           "OLLAMA_CONTEXT_LENGTH",
                           "OLLAMA_EDITOR",
                           "OLLAMA_REMOTES",
                           "CUDA_VISIBLE_DEVICES",
                           "HIP_VISIBLE_DEVICES",
                           "ROCR_VISIBLE_DEVICES",
                           "GGML_VK_VISIBLE_DEVICES",
                           "GPU_DEVICE_ORDINAL",
                           "HSA_OVERRIDE_GFX_VERSION",
                           "OLLAMA_VULKAN",
                           "OLLAMA_AUTH"}) {
    CAPTURE(name);
    CHECK(reads(name, "0.32.15") == ReadsStatus::kReads);
  }
  std::set<std::string_view> names;
  for (const auto& row : ollama_env_table()) {
    CAPTURE(row.name);
    CHECK(names.insert(row.name).second);  // no duplicates
    for (const auto& span : row.spans) {
      if (!span.first.empty()) CHECK(parse_ollama_version(span.first));
      if (!span.removed.empty())
        CHECK(*parse_ollama_version(span.first) < *parse_ollama_version(span.removed));
    }
  }
}

TEST_CASE("table: removed and not-yet-read variables, with the version that changed") {
  auto a = ollama_version_reads("OLLAMA_NEW_ENGINE", ver("0.30.1"));
  CHECK(a.status == ReadsStatus::kRemoved);
  CHECK(a.removed_in == "0.30.0");
  CHECK(reads("OLLAMA_NEW_ENGINE", "0.24.0") == ReadsStatus::kReads);
  CHECK(reads("OLLAMA_MULTIUSER_CACHE", "0.30.0") == ReadsStatus::kRemoved);
  CHECK(reads("OLLAMA_INTEL_GPU", "0.12.10") == ReadsStatus::kReads);
  CHECK(ollama_version_reads("OLLAMA_INTEL_GPU", ver("0.12.11")).removed_in == "0.12.11");
  a = ollama_version_reads("OLLAMA_IGPU_ENABLE", ver("0.24.0"));
  CHECK(a.status == ReadsStatus::kNotYet);
  CHECK(a.since == "0.30.0");
  // Removed, re-added, removed again.
  CHECK(reads("OLLAMA_MAX_VRAM", "0.2.8") == ReadsStatus::kRemoved);
  CHECK(reads("OLLAMA_MAX_VRAM", "0.3.2") == ReadsStatus::kReads);
  CHECK(ollama_version_reads("OLLAMA_MAX_VRAM", ver("0.9.0")).removed_in == "0.7.0");
  CHECK(reads("OLLAMA_MAX_TRANSFER_STREAMS", "0.23.3") == ReadsStatus::kReads);
}

TEST_CASE("table: per-device overrides, ROCm knobs, folklore and unknown names") {
  CHECK(reads("HSA_OVERRIDE_GFX_VERSION_0", "0.32.15") == ReadsStatus::kReads);
  CHECK(reads("HSA_OVERRIDE_GFX_VERSION_12", "0.32.15") == ReadsStatus::kReads);
  CHECK(find_env_var("HSA_OVERRIDE_GFX_VERSION_1"));
  CHECK_FALSE(find_env_var("HSA_OVERRIDE_GFX_VERSION_"));
  CHECK_FALSE(find_env_var("HSA_OVERRIDE_GFX_VERSION_X"));
  CHECK_FALSE(find_env_var("HSA_OVERRIDE_GFX_VERSION_1234"));
  // Outside OLLAMA_* the table is not complete: not listed is not "unknown".
  CHECK(reads("HSA_ENABLE_INTERRUPT", "0.32.15") == ReadsStatus::kUncertain);
  CHECK(reads("LLAMA_ARG_CTX_SIZE", "0.32.15") == ReadsStatus::kUncertain);
  CHECK(reads("HSA_ENABLE_SDMA", "0.1.0") == ReadsStatus::kReads);  // the runtime reads it
  CHECK(find_env_var("HSA_XNACK")->reader == EnvReader::kRocm);
  CHECK(reads("GPU_MAX_ALLOC_PERCENT", "0.32.15") == ReadsStatus::kNoKnownEffect);
  CHECK(reads("OLLAMA_NUM_PARALLELS", "0.32.15") == ReadsStatus::kUnknown);
  CHECK(reads("ollama_host", "0.32.15") == ReadsStatus::kUnknown);  // names are case-sensitive
}

TEST_CASE("table: what the version cannot tell is uncertain, never a guess") {
  CHECK(ollama_version_reads("OLLAMA_NUM_PARALLEL", std::nullopt).status ==
        ReadsStatus::kUncertain);
  CHECK(reads("OLLAMA_NUM_PARALLEL", "0.0.0") == ReadsStatus::kUncertain);
  // A pre-release of the version where the variable changed.
  CHECK(reads("OLLAMA_IGPU_ENABLE", "0.30.0-rc5") == ReadsStatus::kUncertain);
  CHECK(reads("OLLAMA_NEW_ENGINE", "0.30.0-rc16") == ReadsStatus::kUncertain);
  // ... but not one of another version.
  CHECK(reads("OLLAMA_NUM_PARALLEL", "0.30.0-rc5") == ReadsStatus::kReads);
  CHECK(reads("OLLAMA_NEW_ENGINE", "0.31.0-rc0") == ReadsStatus::kRemoved);
  // An unknown name in a version newer than the table is maybe new there.
  CHECK(reads("OLLAMA_SOMETHING_NEW", "0.33.0") == ReadsStatus::kUncertain);
  CHECK(reads("OLLAMA_SOMETHING_NEW", "0.32.15") == ReadsStatus::kUnknown);
  // A local build counts as its tag.
  CHECK(reads("OLLAMA_NEW_ENGINE", "0.30.0-3-gabcdef1") == ReadsStatus::kRemoved);
}

TEST_CASE("suggest: the close known name for common typos") {
  const auto latest = ver("0.32.15");
  CHECK(suggest_variable("OLLAMA_NUM_PARALLELS", latest) == "OLLAMA_NUM_PARALLEL");
  CHECK(suggest_variable("OLLAMA_KEEPALIVE", latest) == "OLLAMA_KEEP_ALIVE");
  CHECK(suggest_variable("OLLAMA_FLASH_ATTN", latest) == "OLLAMA_FLASH_ATTENTION");
  CHECK(suggest_variable("ollama_host", latest) == "OLLAMA_HOST");
  CHECK(suggest_variable("OLAMA_HOST", latest) == "OLLAMA_HOST");
  CHECK(suggest_variable("OLLAMA_MAX_LOADED", latest) == "OLLAMA_MAX_LOADED_MODELS");
  CHECK(suggest_variable("OLLAMA_NUM_PARRALEL", latest) == "OLLAMA_NUM_PARALLEL");
  CHECK(suggest_variable("OLLAMA_KV_CACHE", latest) == "OLLAMA_KV_CACHE_TYPE");
  CHECK(suggest_variable("HSA_OVERIDE_GFX_VERSION", latest) == "HSA_OVERRIDE_GFX_VERSION");
  CHECK_FALSE(suggest_variable("OLLAMA_FOO", latest));
  CHECK_FALSE(suggest_variable("PATH", latest));
  CHECK_FALSE(suggest_variable("OLLAMA_HOST", latest));  // never itself
  CHECK_FALSE(suggest_variable(std::string(100000, 'A'), latest));
  // Only names the version reads: v0.9.0 has no OLLAMA_VULKAN, v0.32.15 no OLLAMA_NEW_ENGINE.
  CHECK(suggest_variable("OLLAMA_VULCAN", latest) == "OLLAMA_VULKAN");
  CHECK_FALSE(suggest_variable("OLLAMA_VULCAN", ver("0.9.0")));
  CHECK_FALSE(suggest_variable("OLLAMA_NEW_ENGIN", latest));
  CHECK(suggest_variable("OLLAMA_NEW_ENGIN", ver("0.24.0")) == "OLLAMA_NEW_ENGINE");
}

TEST_CASE("defaults: by version where they changed (research note B version history)") {
  CHECK(ollama_default("OLLAMA_NUM_PARALLEL", ver("0.9.0")) == "0");
  CHECK(ollama_default("OLLAMA_NUM_PARALLEL", ver("0.10.0")) == "1");
  CHECK(ollama_default("OLLAMA_CONTEXT_LENGTH", ver("0.6.0")) == "2048");
  CHECK(ollama_default("OLLAMA_CONTEXT_LENGTH", ver("0.12.0")) == "4096");
  CHECK(ollama_default("OLLAMA_CONTEXT_LENGTH", ver("0.20.0")) == "0");
  CHECK(ollama_default("OLLAMA_NUM_PARALLEL", std::nullopt) == std::nullopt);
  CHECK(ollama_default("OLLAMA_MAX_QUEUE", std::nullopt) == "512");
  CHECK(ollama_default("OLLAMA_KEEP_ALIVE", ver("0.32.15")) == "5m");
  CHECK(ollama_default("OLLAMA_NOPE", ver("0.32.15")) == std::nullopt);
  CHECK(env_kind_name(find_env_var("OLLAMA_KEEP_ALIVE")->kind) == "duration");
}

TEST_CASE("table: the GPU/memory/concurrency subset of the research note") {
  std::set<std::string_view> tuning;
  for (const auto& row : ollama_env_table()) {
    if (row.tuning) tuning.insert(row.name);
  }
  const std::set<std::string_view> expected{"OLLAMA_NUM_PARALLEL",
                                            "OLLAMA_MAX_LOADED_MODELS",
                                            "OLLAMA_MAX_QUEUE",
                                            "OLLAMA_KEEP_ALIVE",
                                            "OLLAMA_CONTEXT_LENGTH",
                                            "OLLAMA_FLASH_ATTENTION",
                                            "OLLAMA_KV_CACHE_TYPE",
                                            "OLLAMA_GPU_OVERHEAD",
                                            "OLLAMA_SCHED_SPREAD",
                                            "OLLAMA_LLM_LIBRARY",
                                            "OLLAMA_VULKAN",
                                            "OLLAMA_IGPU_ENABLE",
                                            "LLAMA_ARG_FIT",
                                            "LLAMA_ARG_FIT_TARGET",
                                            "HSA_OVERRIDE_GFX_VERSION",
                                            "HIP_VISIBLE_DEVICES",
                                            "ROCR_VISIBLE_DEVICES",
                                            "CUDA_VISIBLE_DEVICES",
                                            "GGML_VK_VISIBLE_DEVICES",
                                            "GPU_DEVICE_ORDINAL",
                                            "OLLAMA_LOAD_TIMEOUT"};
  CHECK(tuning == expected);
  CHECK(find_env_var("HSA_OVERRIDE_GFX_VERSION_1")->tuning);
}
