#include <doctest/doctest.h>

#include <fstream>

#include "daemon/config.hpp"

using namespace llmon;
using namespace std::chrono_literals;

namespace {

std::string error_of(const std::string& toml) {
  auto c = parse_config(toml, "test.toml");
  REQUIRE_FALSE(c.ok());
  return c.error().message;
}

}  // namespace

TEST_CASE("config: an empty file gives the documented defaults") {
  auto c = parse_config("", "empty.toml");
  REQUIRE(c.ok());
  CHECK(c->web.listen == "0.0.0.0:9877");
  CHECK(c->log.level == "info");
  CHECK(c->gpu.backend == "auto");
  CHECK(c->gpu.sysfs_root == "/sys");
  CHECK(c->gpu.rocm_smi_library == "librocm_smi64.so.1");
  CHECK(c->gpu.interval == 5s);
  CHECK(c->gpu.sample_interval == 1s);
  CHECK(c->host.procfs_root == "/proc");
  CHECK(c->host.interval == 5s);
}

TEST_CASE("config: the shipped etc/llmon.toml is valid and states exactly the defaults") {
  auto c = load_config(LLMON_FIXTURES_DIR "/../../etc/llmon.toml");
  REQUIRE_MESSAGE(c.ok(), (c.ok() ? "" : c.error().message));
  CHECK(render_config(*c) == render_config(Config{}));
}

TEST_CASE("config: values are read") {
  auto c = parse_config(R"(
[web]
listen = "127.0.0.1:9100"
[log]
level = "debug"
[gpu]
backend = "sysfs"
sysfs_root = "/fixtures/sys"
interval = "10s"
sample_interval = "250ms"
[host]
procfs_root = "/host/proc"
interval = "1m"
)",
                        "t.toml");
  REQUIRE(c.ok());
  CHECK(c->web.listen == "127.0.0.1:9100");
  CHECK(c->log.level == "debug");
  CHECK(c->gpu.backend == "sysfs");
  CHECK(c->gpu.sysfs_root == "/fixtures/sys");
  CHECK(c->gpu.interval == 10s);
  CHECK(c->gpu.sample_interval == 250ms);
  CHECK(c->host.procfs_root == "/host/proc");
  CHECK(c->host.interval == 1min);
}

TEST_CASE("config: the effective configuration re-parses to itself") {
  Config custom;
  custom.gpu.sysfs_root = "/odd \"path\"\\x";
  custom.gpu.interval = 90s;
  auto again = parse_config(render_config(custom), "rendered");
  REQUIRE(again.ok());
  CHECK(again->gpu.sysfs_root == custom.gpu.sysfs_root);
  CHECK(render_config(*again) == render_config(custom));
}

TEST_CASE("config: an unknown key is located and gets a suggestion") {
  CHECK(error_of("[gpu]\nsysfs_rot = \"/x\"\n") ==
        "test.toml:2:1: unknown key 'gpu.sysfs_rot' (did you mean 'gpu.sysfs_root'?)");
  CHECK(error_of("[hots]\n") == "test.toml:1:2: unknown key 'hots' (did you mean 'host'?)");
  const auto far = error_of("[gpu]\ncompletely_else = 1\n");
  CHECK(far.find("unknown key 'gpu.completely_else' (known keys:") != std::string::npos);
}

TEST_CASE("config: wrong types and ranges name the key, the expectation and the value") {
  CHECK(error_of("[gpu]\ninterval = 5\n") ==
        "test.toml:2:12: gpu.interval: expected a duration string such as \"5s\" or \"250ms\", "
        "found integer 5 (a bare number has no unit; write it in quotes with a unit)");
  CHECK(error_of("[gpu]\nbackend = \"cuda\"\n") ==
        "test.toml:2:11: gpu.backend: expected one of \"auto\", \"rocm_smi\", \"sysfs\" or "
        "\"none\", found string \"cuda\"");
  CHECK(error_of("[log]\nlevel = 3\n").find("log.level: expected one of") != std::string::npos);
  CHECK(error_of("[gpu]\ninterval = \"5 seconds\"\n").find("gpu.interval: invalid") !=
        std::string::npos);
  CHECK(error_of("[gpu]\ninterval = \"10ms\"\n") ==
        "test.toml:2:12: gpu.interval: expected a duration from 100ms to 1h, found \"10ms\"");
  CHECK(
      error_of("[gpu]\nsample_interval = \"10s\"\n") ==
      "test.toml:2:19: gpu.sample_interval: must not be longer than gpu.interval (5s), found 10s");
  CHECK(error_of("[gpu]\nsysfs_root = \"\"\n").find("gpu.sysfs_root: expected a path") !=
        std::string::npos);
  CHECK(error_of("gpu = 3\n") == "test.toml:1:7: gpu: expected a table, found integer 3");
  CHECK(error_of("[web]\nlisten = \"0.0.0.0\"\n").find("test.toml:2:10: web.listen:") == 0);
  CHECK(error_of("[web]\nlisten = \"0.0.0.0:99999\"\n").find("web.listen:") != std::string::npos);
}

TEST_CASE("config: every error is reported, in document order") {
  const auto e = error_of("[gpu]\nbackend = 1\ninterval = 2\n[host]\ninterval = true\n");
  const auto first = e.find("test.toml:2:");
  const auto second = e.find("test.toml:3:");
  const auto third = e.find("test.toml:5:");
  CHECK(first != std::string::npos);
  CHECK(second > first);
  CHECK(third > second);
}

TEST_CASE("config: TOML syntax errors are located") {
  const auto e = error_of("[gpu\nbackend = \"auto\"\n");
  CHECK(e.rfind("test.toml:1:", 0) == 0);
  const auto dup = error_of("[gpu]\nbackend = \"auto\"\nbackend = \"none\"\n");
  CHECK(dup.rfind("test.toml:3:", 0) == 0);
}

TEST_CASE("config: a missing file is an error naming it") {
  auto c = load_config("/nonexistent/llmon.toml");
  REQUIRE_FALSE(c.ok());
  CHECK(c.error().message.find("/nonexistent/llmon.toml") != std::string::npos);
}

TEST_CASE("config: binary garbage is an error, not a crash") {
  std::string junk;
  for (int i = 0; i < 4096; ++i) junk += static_cast<char>((i * 7919) % 256);
  CHECK_FALSE(parse_config(junk, "junk").ok());
}

TEST_CASE("config: an expect pattern the regex engine cannot take is located, not a crash") {
  // 20000 nested groups overflowed the stack of libstdc++'s regex compiler at load time.
  const std::string nested = std::string(20000, '(') + std::string(20000, ')');
  CHECK(error_of("[[bench.prompt]]\nname = \"p\"\nprompt = \"x\"\nexpect = \"" + nested + "\"\n") ==
        "test.toml:4:10: bench.prompt[0].expect: invalid expect regex: 40000 bytes, the limit is "
        "1024");
  CHECK(
      error_of(
          "[[bench.prompt]]\nname = \"p\"\nprompt = \"x\"\nexpect = \"a{99999999999999999999}\"\n")
          .find("repeat count 99999999999999999999 above 1000") != std::string::npos);
}

TEST_CASE("config: a repeated name is reported once per table, not once per earlier table") {
  // Found by fuzzing: N tables sharing a name gave N*(N-1)/2 errors, so a file of a few
  // thousand such tables produced gigabytes of error text.
  const auto count = [](const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
    return n;
  };
  std::string ollama, prompts;
  for (int i = 0; i < 4; ++i) ollama += "[[ollama]]\nname = \"b\"\nurl = \"h:1\"\n";
  for (int i = 0; i < 4; ++i) prompts += "[[bench.prompt]]\nname = \"p\"\nprompt = \"x\"\n";
  CHECK(count(error_of(ollama), "is already used") == 3);
  CHECK(count(error_of(prompts), "is already used") == 3);
}

TEST_CASE("config: no [[ollama]] table means one default instance") {
  auto c = parse_config("", "t.toml");
  REQUIRE(c->ollama.size() == 1);
  CHECK(c->ollama[0].name == "default");
  CHECK(c->ollama[0].url == "http://127.0.0.1:11434");
  CHECK(c->ollama[0].interval == 10s);
  CHECK(c->ollama[0].timeout == 5s);
  CHECK(c->ollama[0].max_body_bytes == 8388608);
  CHECK(c->ollama[0].process == "ollama");
}

TEST_CASE("config: several [[ollama]] instances, OLLAMA_HOST forms accepted") {
  auto c = parse_config(R"(
[[ollama]]
name = "main"
url = "127.0.0.1:11434"
[[ollama]]
name = "second"
url = "0.0.0.0:11435"
interval = "30s"
process = ""
)",
                        "t.toml");
  REQUIRE_MESSAGE(c.ok(), (c.ok() ? "" : c.error().message));
  REQUIRE(c->ollama.size() == 2);
  CHECK(c->ollama[1].name == "second");
  CHECK(c->ollama[1].interval == 30s);
  CHECK(c->ollama[1].process.empty());
  auto again = parse_config(render_config(*c), "rendered");
  REQUIRE(again.ok());
  CHECK(render_config(*again) == render_config(*c));
}

TEST_CASE("config: [[ollama]] mistakes are located") {
  CHECK(error_of("[[ollama]]\nname = \"a\"\n[[ollama]]\nname = \"a\"\n") ==
        "test.toml:4:8: ollama[1].name: \"a\" is already used by another [[ollama]] table");
  CHECK(error_of("[[ollama]]\nurl = \"https://x\"\n").find("test.toml:2:7: ollama[0].url:") == 0);
  CHECK(error_of("[[ollama]]\nname = \"a b\"\n").find("ollama[0].name: expected a unique name") !=
        std::string::npos);
  CHECK(error_of("[[ollama]]\nurl = \"a\"\n[[ollama]]\nurl = \"b\"\n").find("name: expected") !=
        std::string::npos);
  CHECK(error_of("[[ollama]]\ninterval = 10\n").find("ollama[0].interval: expected a duration") !=
        std::string::npos);
  CHECK(error_of("[[ollama]]\nmax_body_bytes = 10\n")
            .find("ollama[0].max_body_bytes: expected an integer from 1024") != std::string::npos);
  CHECK(error_of("[[ollama]]\nurll = \"x\"\n").find("(did you mean 'ollama[0].url'?)") !=
        std::string::npos);
  CHECK(error_of("[ollama]\nurl = \"x\"\n").find("ollama: expected [[ollama]] tables") !=
        std::string::npos);
}
