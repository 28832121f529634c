// Runner command lines of both Ollama generations, finding runners under a server, and mapping
// a runner's blob to a model through /api/show's Modelfile.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "collectors/ollama/model_blob.hpp"
#include "collectors/tuning/runners.hpp"
#include "tuning_test_support.hpp"

using namespace llmon;
using namespace llmon::tuning;
using namespace llmon::ollama;
using llmon::test::stat_line;
using llmon::test::TempTree;
using Argv = std::vector<std::string>;
using namespace std::string_literals;

namespace {

const std::string kHex = "a3de86cd1c132c822487ededd47a324c50491393e6565cd14bafa40d0b8e686f";
const std::string kBlob = "/usr/share/ollama/.ollama/models/blobs/sha256-" + kHex;

// What Ollama v0.32.15 startLlamaServer passes for a Strix Halo iGPU, num_ctx 8192, np 2.
Argv modern_runner() {
  return {"/usr/local/lib/ollama/llama-server",
          "--model",
          kBlob,
          "--port",
          "40123",
          "--host",
          "127.0.0.1",
          "--no-webui",
          "--offline",
          "-c",
          "16384",
          "-np",
          "2",
          "--log-verbosity",
          "4",
          "--no-log-prefix",
          "--no-log-timestamps",
          "--load-mode",
          "dio",
          "--cache-type-k",
          "q8_0",
          "--cache-type-v",
          "q8_0",
          "--flash-attn",
          "on",
          "-b",
          "512",
          "-ub",
          "512"};
}

}  // namespace

TEST_CASE("runner: llama-server (Ollama >= 0.30) with Ollama's own flags") {
  const auto a = parse_runner_cmdline(modern_runner());
  REQUIRE(a);
  CHECK(a->generation == RunnerGeneration::kLlamaServer);
  CHECK(generation_name(a->generation) == "llama-server");
  CHECK(a->model_path == kBlob);
  CHECK(a->model_digest == "sha256:" + kHex);
  CHECK(a->port == 40123);
  CHECK(a->host == "127.0.0.1");
  CHECK(a->context_total == 16384u);
  CHECK(a->parallel == 2u);
  CHECK(a->context_per_slot() == 8192u);
  CHECK(a->flash_attn == "on");
  CHECK(a->kv_cache_type() == "q8_0");
  CHECK(a->load_mode == "dio");
  CHECK_FALSE(a->gpu_layers);  // not passed unless num_gpu was set
  CHECK_FALSE(a->embedding);
}

TEST_CASE("runner: every spelling of llama.cpp's flags, and the last repeat wins") {
  const auto a = parse_runner_cmdline(
      {"llama-server", "-m",   kBlob,  "--ctx-size", "4096", "--parallel", "4", "-fa",
       "auto",         "-ctk", "F16",  "-ctv",       "q4_0", "-ngl",       "0", "--ctx_size",
       "8192",         "-lm",  "none", "--embedding"});
  REQUIRE(a);
  CHECK(a->context_total == 8192u);  // --ctx_size: llama.cpp reads '_' as '-'
  CHECK(a->parallel == 4u);
  CHECK(a->flash_attn == "auto");
  CHECK(a->cache_type_k == "f16");
  CHECK(a->cache_type_v == "q4_0");
  CHECK_FALSE(a->kv_cache_type());  // K and V differ
  CHECK(a->gpu_layers == "0");
  CHECK(a->load_mode == "none");
  CHECK(a->embedding);
  for (const char* spelling : {"-ngl", "--gpu-layers", "--n-gpu-layers"}) {
    const auto b = parse_runner_cmdline({"llama-server", "--model", "/m", spelling, "99"});
    REQUIRE(b);
    CHECK(b->gpu_layers == "99");
  }
  const auto c = parse_runner_cmdline({"llama-server", "--model", "/m", "-ngl", "AUTO"});
  CHECK(c->gpu_layers == "auto");
  // OLLAMA_FLASH_ATTENTION=false gives --flash-attn off; llama.cpp always takes the next token.
  const auto d = parse_runner_cmdline({"llama-server", "--model", "/m", "--flash-attn", "OFF"});
  CHECK(d->flash_attn == "off");
}

TEST_CASE("runner: Ollama's GPU discovery probe is not a model runner") {
  CHECK_FALSE(parse_runner_cmdline({"/usr/lib/ollama/llama-server", "--port", "50001", "--host",
                                    "127.0.0.1", "--no-webui", "--offline", "--verbose"}));
  CHECK_FALSE(parse_runner_cmdline({"llama-server", "--list-devices", "--offline", "--verbose"}));
  CHECK_FALSE(parse_runner_cmdline({"/usr/local/bin/ollama", "gpu-discover", "--lib-dir", "/x"}));
  CHECK_FALSE(parse_runner_cmdline({"/usr/local/bin/ollama", "serve"}));
  CHECK_FALSE(parse_runner_cmdline({}));
  CHECK_FALSE(parse_runner_cmdline({""}));
}

TEST_CASE("runner: legacy `ollama runner` (v0.11.5-v0.24): only the model and the port") {
  const auto a = parse_runner_cmdline(
      {"/usr/local/bin/ollama", "runner", "--ollama-engine", "--model", kBlob, "--port", "39999"});
  REQUIRE(a);
  CHECK(a->generation == RunnerGeneration::kLegacy);
  CHECK(generation_name(a->generation) == "ollama runner");
  CHECK(a->ollama_engine);
  CHECK(a->model_digest == "sha256:" + kHex);
  CHECK(a->port == 39999);
  CHECK_FALSE(a->parallel);
  CHECK_FALSE(a->context_total);
  CHECK_FALSE(a->flash_attn);
  CHECK_FALSE(a->context_per_slot());
  // A legacy runner without a model still is one (and uses memory).
  CHECK(parse_runner_cmdline({"ollama", "runner", "--port", "1"}));
}

TEST_CASE("runner: legacy v0.5.2-v0.11.4 flags, Go flag syntax, and ollama_llama_server") {
  const auto a = parse_runner_cmdline({"/usr/bin/ollama",
                                       "runner",
                                       "--model",
                                       kBlob,
                                       "--ctx-size",
                                       "8192",
                                       "--batch-size",
                                       "512",
                                       "--n-gpu-layers",
                                       "49",
                                       "--threads",
                                       "16",
                                       "--flash-attn",
                                       "--kv-cache-type",
                                       "q8_0",
                                       "--parallel",
                                       "4",
                                       "--multiuser-cache",
                                       "--port",
                                       "41000"});
  REQUIRE(a);
  CHECK(a->flash_attn == "on");  // a bare switch then
  CHECK(a->kv_cache_type() == "q8_0");
  CHECK(a->gpu_layers == "49");
  CHECK(a->context_per_slot() == 2048u);
  const auto b = parse_runner_cmdline(
      {"ollama", "runner", "-model=/m", "-parallel=2", "-flash-attn=false", "--port=7"});
  REQUIRE(b);
  CHECK(b->model_path == "/m");
  CHECK(b->parallel == 2u);
  CHECK(b->flash_attn == "off");
  CHECK(b->port == 7);
  const auto c = parse_runner_cmdline({"/tmp/ollama123/runners/rocm_v60102/ollama_llama_server",
                                       "--model", "/m", "--ctx-size", "2048", "--port", "1"});
  REQUIRE(c);
  CHECK(c->generation == RunnerGeneration::kLegacy);
  CHECK(c->context_total == 2048u);
}

TEST_CASE("runner: an argv rewritten into one string parses like the original") {
  TempTree t;
  t.write("stat", "btime 1763900000\n");
  t.write("812/stat", stat_line(812, "ollama", 'S', 1, 0, 0, 1, 1));
  std::string joined;
  for (const auto& arg : modern_runner()) joined += (joined.empty() ? "" : " ") + arg;
  t.write("900/stat", stat_line(900, "llama-server", 'S', 812, 300, 100, 5000, 1024));
  t.write("900/cmdline", joined);
  const auto runners = find_runners(t.root(), 812);
  REQUIRE(runners.size() == 1);
  CHECK(runners[0].args.parallel == 2u);
}

TEST_CASE("runner: bad values are absent, not guessed, and sizes are bounded") {
  const auto a =
      parse_runner_cmdline({"llama-server", "--model", "/m", "--port", "0", "-np", "-1", "-c",
                            "lots", "--port", "70000", "-ctk", std::string(100, 'q'), "-np"});
  REQUIRE(a);
  CHECK_FALSE(a->port);
  CHECK_FALSE(a->parallel);  // "-1", then a final -np without a value
  CHECK_FALSE(a->context_total);
  CHECK_FALSE(a->cache_type_k);
  CHECK_FALSE(parse_runner_cmdline({"llama-server", "--model", std::string(5000, '/')}));
  CHECK(parse_runner_cmdline({"llama-server", "--model", "/m", "\xff\xfe", "--fit", "on"}));
}

TEST_CASE("runner: blob digests from model paths") {
  CHECK(blob_digest_from_path(kBlob) == "sha256:" + kHex);
  CHECK(blob_digest_from_path("sha256:" + kHex) == "sha256:" + kHex);  // old blob names
  std::string upper = kHex;
  for (char& ch : upper) ch = char(std::toupper(static_cast<unsigned char>(ch)));
  CHECK(blob_digest_from_path("/b/sha256-" + upper) == "sha256:" + kHex);
  CHECK_FALSE(blob_digest_from_path("/b/sha256-" + kHex.substr(1)));
  CHECK_FALSE(blob_digest_from_path("/b/sha256-" + kHex.substr(1) + "g"));
  CHECK_FALSE(blob_digest_from_path("/models/llama3.gguf"));
  CHECK_FALSE(blob_digest_from_path(""));
}

TEST_CASE("modelfile: the first FROM, as /api/show renders it (v0.32.15 ShowHandler)") {
  const std::string modelfile =
      "# Modelfile generated by \"ollama show\"\n"
      "# To build a new Modelfile based on this, replace FROM with:\n"
      "# FROM qwen3:32b\n\n"
      "FROM " +
      kBlob +
      "\n"
      "FROM /usr/share/ollama/.ollama/models/blobs/sha256-" +
      std::string(64, 'b') +
      "\nTEMPLATE \"\"\"{{ .Prompt }}\nFROM /not/this\"\"\"\n"
      "PARAMETER num_ctx 8192\n";
  CHECK(parse_modelfile_from(modelfile) == "sha256:" + kHex);
  CHECK(parse_modelfile_from("from \"" + kBlob + "\"\r\n") == "sha256:" + kHex);
  CHECK(parse_modelfile_from("\tFrOm   " + kBlob) == "sha256:" + kHex);
  // An MLX model renders FROM with its name: no blob to match.
  CHECK_FALSE(parse_modelfile_from("# Modelfile generated by \"ollama show\"\nFROM qwen3-mlx\n"));
  CHECK_FALSE(parse_modelfile_from("FROMAGE " + kBlob + "\n"));
  CHECK_FALSE(parse_modelfile_from(""));
  CHECK_FALSE(parse_modelfile_from(std::string(1 << 20, '\n') + "FROM " + kBlob));
}

TEST_CASE("modelfile: runner digests map to model names, and shared blobs are ambiguous") {
  const std::vector<ModelBlob> models{{"qwen3:32b", "sha256:" + kHex},
                                      {"llama3:8b", "sha256:" + std::string(64, 'c')},
                                      {"my-qwen:latest", "sha256:" + kHex},
                                      {"qwen3:32b", "sha256:" + kHex}};
  CHECK(model_names_for_digest("sha256:" + std::string(64, 'c'), models) ==
        std::vector<std::string>{"llama3:8b"});
  CHECK(model_names_for_digest("sha256:" + kHex, models) ==
        std::vector<std::string>{"my-qwen:latest", "qwen3:32b"});
  CHECK(model_names_for_digest("sha256:" + std::string(64, 'd'), models).empty());
}

TEST_CASE("find_runners: children of the server by ppid, with their memory and CPU") {
  TempTree t;
  t.write("stat", "cpu 1 2 3\nbtime 1763900000\n");
  t.write("812/stat", stat_line(812, "ollama", 'S', 1, 0, 0, 100, 1));
  t.write("812/cmdline", "/usr/local/bin/ollama\0serve\0"s);
  std::string argv;
  for (const auto& arg : modern_runner()) argv += arg + '\0';
  t.write("913/stat", stat_line(913, "llama-server", 'S', 812, 300, 100, 5000, 1024));
  t.write("913/cmdline", argv);
  // A discovery probe, a runner of another server, an unrelated child, a vanished runner.
  t.write("914/stat", stat_line(914, "llama-server", 'S', 812, 0, 0, 1, 1));
  t.write("914/cmdline", "llama-server\0--port\0001\0--no-webui\0"s);
  t.write("915/stat", stat_line(915, "llama-server", 'S', 1200, 0, 0, 1, 1));
  t.write("915/cmdline", argv);
  t.write("916/stat", stat_line(916, "sh", 'S', 812, 0, 0, 1, 1));
  t.write("916/cmdline", "sh\0-c\0true\0"s);
  t.mkdir("917");
  const auto runners = find_runners(t.root(), 812);
  REQUIRE(runners.size() == 1);
  CHECK(runners[0].pid == 913);
  CHECK(runners[0].args.model_digest == "sha256:" + kHex);
  const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  CHECK(runners[0].resident_bytes == doctest::Approx(1024 * page));
  CHECK(runners[0].cpu_seconds == doctest::Approx(400 / ticks));
  CHECK(runners[0].start_time_seconds == doctest::Approx(1763900000 + 5000 / ticks));
  CHECK(find_runners(t.root(), 1200).size() == 1);
  CHECK(find_runners(t.root(), 4242).empty());
  CHECK(find_runners(t.root(), 812, 0).empty());
  CHECK(find_runners(t.root() / "missing", 812).empty());
}

TEST_CASE("find_runners: the committed ollama_box fixture's legacy runner") {
  const auto box = std::filesystem::path(LLMON_FIXTURES_DIR) / "procfs" / "ollama_box";
  const auto runners = find_runners(box, 812);
  REQUIRE(runners.size() == 1);
  CHECK(runners[0].pid == 913);
  CHECK(runners[0].args.generation == RunnerGeneration::kLegacy);
  CHECK(runners[0].args.model_path == "/x");
  CHECK_FALSE(runners[0].args.model_digest);
  CHECK(runners[0].resident_bytes ==
        doctest::Approx(10485760.0 * static_cast<double>(::sysconf(_SC_PAGESIZE))));
  CHECK(find_runners(box, 1200).empty());
}
