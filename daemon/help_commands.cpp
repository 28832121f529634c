// One table per command. A new command is one more table here and one more line in
// kCommands, its name in options.cpp's kCommandNames and its new flags in apply(), and its
// case in cli_main; the parser accepts exactly the flags listed here, and test_help.cpp
// checks every listed flag parses.
#include "daemon/help.hpp"

namespace llmon::help {

namespace {

constexpr std::string_view kConfigDefault =
    "/etc/llmon/llmon.toml when it exists, else built-in defaults";

constexpr Option kServeOptions[] = {
    {"--config", "FILE", "read the configuration from FILE, which must exist", kConfigDefault},
    {"--listen", "HOST:PORT", "listen there instead of [web] listen",
     "[web] listen of the configuration, built in 0.0.0.0:9877"},
    {"--log-level", "LEVEL", "trace, debug, info, warn or error, instead of [log] level",
     "[log] level of the configuration, built in info"},
};
constexpr ExitCode kServeExit[] = {
    {0, "stopped by SIGTERM or SIGINT"},
    {1, "the listen address cannot be bound, or a fatal runtime error"},
    {2, "usage error, or the configuration is invalid"},
};
constexpr Command kServe{
    "serve",
    "",
    "run the daemon: collect on schedule, serve /metrics",
    "Runs every enabled collector on its own schedule and serves the metrics on /metrics, with "
    "/healthz for health checks. SIGHUP reloads the configuration: a bad file is logged, the "
    "running configuration stays and llmon_config_last_reload_successful drops to 0. SIGTERM "
    "or SIGINT stops it within 2 s.\n\n"
    "Under systemd (Type=notify) it reports readiness after the listening socket is bound, "
    "reloads (RELOADING=1, READY=1), shutdown and a STATUS line, and pings the watchdog from "
    "the network thread when WatchdogSec= is set.",
    kServeOptions,
    kServeExit,
};

constexpr ExitCode kCheckConfigExit[] = {
    {0, "the configuration is valid"},
    {2, "usage error, or FILE is missing, unreadable or invalid"},
};
constexpr Command kCheckConfig{
    "check-config",
    "FILE",
    "validate FILE and print the effective configuration",
    "Parses and validates FILE exactly as serve would and prints the effective configuration, "
    "every default filled in. Errors name the file, line and column, and suggest the closest "
    "key for a misspelt one. Run it before `systemctl reload llmon`.",
    {},
    kCheckConfigExit,
};

constexpr Option kCollectOptions[] = {
    {"--config", "FILE", "read the configuration from FILE, which must exist", kConfigDefault},
    {"--bench", "", "also run the benchmark suite (minutes of generations), whatever [bench] says",
     ""},
};
constexpr ExitCode kCollectExit[] = {
    {0, "every collector succeeded"},
    {1, "at least one collector failed (its llmon_collector_success is 0)"},
    {2, "usage error, or the configuration is invalid"},
};
constexpr Command kCollect{
    "collect",
    "",
    "run every enabled collector once and print the metrics",
    "Runs every enabled collector once and prints the exposition on stdout (diagnostics go to "
    "stderr), for a quick look or for node_exporter's textfile collector: without llmon's own "
    "process_* metrics, which would collide with node_exporter's. Benchmarks run only with "
    "--bench.",
    kCollectOptions,
    kCollectExit,
};

constexpr Option kBenchOptions[] = {
    {"--config", "FILE", "read the configuration from FILE, which must exist", kConfigDefault},
    {"--ollama", "URL", "the Ollama instance to benchmark, in any OLLAMA_HOST form",
     "url of the first [[ollama]] table, built in http://127.0.0.1:11434"},
    {"--model", "M", "benchmark model M", "every loaded model", true},
    {"--prompt", "NAME", "run only the prompt NAME of the suite", "the whole suite", true},
    {"--runs", "N", "runs of each prompt on each model, 1 to 9999", "1"},
    {"--allow-load", "", "let llmon load a --model that is not loaded (can evict one in use)", ""},
    {"--format", "FORMAT", "table, json or csv", "table"},
};
constexpr ExitCode kBenchExit[] = {
    {0, "every run succeeded"},
    {1, "could not benchmark: Ollama unreachable, or no usable model"},
    {2, "usage error, or the configuration is invalid"},
    {3, "some runs failed (errors, timeouts or wrong answers)"},
};
constexpr Command kBench{
    "bench",
    "",
    "benchmark the loaded models once and print a comparison",
    "Runs the benchmark suite of the configuration ([bench] prompts) against the loaded models "
    "of one Ollama instance, or the named ones, and prints one row per model: runs, median "
    "total time, generation and prompt speed, time to first token, load time, correct answers "
    "and joules per token. A model that is not loaded is refused unless --allow-load is given. "
    "Progress goes to stderr on a terminal; stdout holds only the result.",
    kBenchOptions,
    kBenchExit,
};

constexpr Option kDoctorOptions[] = {
    {"--config", "FILE", "read the configuration from FILE, which must exist", kConfigDefault},
    {"--format", "FORMAT", "text or json", "text"},
};
constexpr ExitCode kDoctorExit[] = {
    {0, "no check found drift (some may be unknown: they say why)"},
    {1, "at least one check found drift"},
    {2, "usage error, or the configuration is invalid"},
};
constexpr Command kDoctor{
    "doctor",
    "",
    "check the GPU, Ollama and their tuning once and say what to fix",
    "Reads the GPUs, every configured Ollama instance, its systemd unit, its process and the "
    "kernel's memory limits once, and prints one line per tuning check: OK, DRIFT or UNKNOWN, "
    "the evidence (files, values, times) and the fix, such as the systemctl commands after an "
    "edited drop-in, an HSA_OVERRIDE_GFX_VERSION that hides the GPU, or a model running partly "
    "on the CPU. A check that cannot be made stays UNKNOWN and says why (for example Ollama's "
    "environment is readable only by its own user). It runs no external command. The same "
    "checks are exported as llmon_tuning_drift by serve.",
    kDoctorOptions,
    kDoctorExit,
};

constexpr Command kCommands[] = {kServe, kCheckConfig, kCollect, kBench, kDoctor};

constexpr File kFiles[] = {
    {"/etc/llmon/llmon.toml",
     "the configuration; every key with its default is in the shipped copy and in "
     "docs/configuration.md"},
    {"/var/lib/llmon", "benchmark baselines, kept across restarts ([bench] state_dir)"},
    {"/usr/lib/llmon/llmon-tls.so",
     "HTTPS for the metrics ([web.tls]), loaded only when TLS is configured; found beside the "
     "binary, as PREFIX/lib/llmon/ for PREFIX/bin/llmon, or named by $LLMON_TLS_PLUGIN"},
};

}  // namespace

std::string_view description() {
  return "Monitors a local LLM inference box (AMD GPU and Ollama) and serves what it sees as "
         "Prometheus metrics: GPU busy, memory pools, power, clocks and temperatures, host "
         "memory, every Ollama instance with its loaded models, and optional scheduled "
         "benchmarks. It reads sysfs, procfs, the ROCm SMI library when present, and Ollama's "
         "HTTP API, and never runs external commands.";
}

std::span<const File> files() { return kFiles; }

std::span<const Command> commands() { return kCommands; }

}  // namespace llmon::help
