#!/usr/bin/env bash
# `make demo` as a new user tries it: tests/support/demo.sh starts, and the `llmon bench` command
# it prints reports joules per token and GPU busy ratios that match the Strix Halo fixture's
# constant readings (37 % busy, 31.5 W for the GPU alone), for short runs as for long ones. Its
# daemon shows what the README says it shows at first and within seconds (the later part,
# baselines from the second cycle after ~2.5 min, was measured by hand).
source "$(dirname "$0")/lib.sh"
: "${LLMON_FAKE_OLLAMA:?set by ctest}"

DEMO_LISTEN=127.0.0.1:0 BUILD_DIR="$(dirname "$LLMON_BIN")" \
  bash "$LLMON_SOURCE_DIR/tests/support/demo.sh" > "$WORK/demo.out" 2> "$WORK/demo.err" &
DEMO_PID=$!
# SIGTERM, not lib.sh's SIGKILL: the demo then stops its fakes and llmon itself.
stop_demo() {
  kill -TERM "$DEMO_PID" 2>/dev/null || true
  wait "$DEMO_PID" 2>/dev/null || true
}
trap 'stop_demo; cleanup' EXIT
command=""
for _ in $(seq 1 1200); do  # 60 s: the demo starts two fake servers first
  command="$(sed -n 's/^ *\(.*llmon bench --config .*\)$/\1/p' "$WORK/demo.out" 2>/dev/null)" || true
  [[ -n "$command" ]] && break
  sleep 0.05
done
check "the demo prints a llmon bench command with its configuration" test -n "$command"
[[ -n "$command" ]] || { cat "$WORK/demo.out" "$WORK/demo.err" >&2; finish; }

# Exactly what it prints, once per prompt, as JSON.
read -r -a argv <<< "$command"
"${argv[@]}" --runs 1 --format json > "$WORK/bench.json" 2> "$WORK/bench.err" || true
check "llmon bench answers JSON" jq -e '.models | length > 0' "$WORK/bench.json"
runs() { jq -c '[.models[].details[] | select(.result == "ok" or .result == "mismatch")]' "$WORK/bench.json"; }
check "every measured run has joules per token and a busy ratio" \
  test "$(runs | jq '[.[] | select(.joules_per_token == null or .gpu_busy_ratio == null)] | length')" -eq 0
check "including runs shorter than the 1 s GPU sample interval" \
  test "$(runs | jq '[.[] | select(.wall_seconds < 1)] | length')" -gt 0
check "busy ratio: the fixture's 37 % (within 2 %)" \
  test "$(runs | jq '[.[] | select((.gpu_busy_ratio - 0.37) | fabs > 0.0074)] | length')" -eq 0
check "joules per token: the GPU's own 31.5 W over the run (within 2 %)" \
  test "$(runs | jq '[.[] | select((.joules_per_token * .eval_count / .wall_seconds - 31.5) | fabs > 0.63)] | length')" -eq 0
check "and it says the energy is the GPU's own (gfx), not the package's" \
  test "$(runs | jq '[.[] | select(.energy_domain != "gfx")] | length')" -eq 0
if [[ "$FAILURES" -ne 0 ]]; then
  cat "$WORK/bench.err" >&2
  runs | jq -c '.[] | {prompt, wall_seconds, eval_count, joules_per_token, gpu_busy_ratio}' >&2
fi

# The demo's daemon, as the README describes it.
LLMON_LOG="$WORK/demo.err"
LLMON_PORT="$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$LLMON_LOG" | tail -1)"
check "the demo's llmon listens" test -n "$LLMON_PORT"
scrape > "$WORK/first.prom" || true
check "GPU power at once" grep -q '^llmon_gpu_power_watts{' "$WORK/first.prom"
check "the offloaded model's GPU ratio is below 1" \
  grep -Eq '^llmon_ollama_model_gpu_ratio\{model="llama3.2:3b",ollama="main"\} 0\.' "$WORK/first.prom"
check "the pinned model expires at +Inf" \
  grep -Eq '^llmon_ollama_model_expiry_timestamp_seconds\{model="nomic-embed-text:latest",ollama="main"\} \+Inf$' "$WORK/first.prom"
check "the box's Ollama process memory" \
  grep -q '^llmon_ollama_process_resident_memory_bytes{ollama="main"} ' "$WORK/first.prom"
check "the tuning checks drift on the drifted box" \
  wait_metrics '^llmon_tuning_drift\{check="gfx_override",ollama="main"\} 1$' 15
check "the printed doctor command finds drift (exit 1)" bash -c \
  "cmd=\"\$(sed -n 's/.*(every tuning check drifts: \(.*\)),.*/\1/p' '$WORK/demo.out')\"; [[ -n \$cmd ]]; \$cmd >/dev/null; test \$? -eq 1"
check "the first benchmark results within 30 s" \
  wait_metrics '^llmon_bench_runs_total\{model="qwen3-coder:30b-a3b-q8_0",ollama="main",prompt="binary_search",result="ok"\} 1$' 30
check "garbage answers are mismatches" \
  wait_metrics '^llmon_bench_runs_total\{model="llama3.2:3b",ollama="main",prompt="binary_search",result="mismatch"\} 1$' 30
scrape > "$WORK/later.prom" || true
check "no fan on the APU fixture" bash -c "! grep -q '^llmon_gpu_fan_' '$WORK/later.prom'"
check "no baseline in the first cycle" \
  bash -c "! grep -q '^llmon_bench_baseline_eval_tokens_per_second' '$WORK/later.prom'"
check "the demo's state directory exists: no warning" bash -c "! grep -q 'state_dir' '$LLMON_LOG'"
finish
