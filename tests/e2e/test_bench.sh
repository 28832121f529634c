#!/usr/bin/env bash
# Benchmarks against the fake Ollama: the daemon's scheduled probes and `llmon bench`.
source "$(dirname "$0")/lib.sh"

start_fake a "$FIXTURES/ollama/bench.toml"
mkdir -p "$WORK/state"
write_config() {  # write_config EXTRA-BENCH-LINES [SYSFS-ROOT]
  local gpu='backend = "none"'
  [[ -n "${2:-}" ]] && gpu="backend = \"sysfs\"
sysfs_root = \"$2\""
  cat > "$WORK/llmon.toml" <<TOML
[gpu]
$gpu
sample_interval = "100ms"
[[ollama]]
name = "a"
url = "127.0.0.1:$FAKE_PORT_a"
interval = "200ms"
process = ""
[bench]
enabled = true
interval = "${INTERVAL:-10s}"
jitter = "0s"
timeout = "${TIMEOUT:-5s}"
state_dir = "${STATE_DIR:-$WORK/state}"
baseline_runs = 5
$1
TOML
}
requests() { fake_get a /_fake/requests; }
generations() { requests | jq -c '[.[] | select(.path == "/api/generate" or .path == "/api/chat")]'; }

# --- the daemon: one cycle over every loaded model, plus a cold one it must not touch
write_config 'models = ["qwen3-coder:30b-a3b-q8_0", "llama3.2:3b", "gpt-oss:20b"]
concurrency = 2'
start_llmon --config "$WORK/llmon.toml"
Q='model="qwen3-coder:30b-a3b-q8_0",ollama="a"'
check "the first results appear" \
  wait_metrics "^llmon_bench_runs_total\{$Q,prompt=\"binary_search\",result=\"ok\"\} 1$" 30
check "the first cycle ends (the last model's last prompt is counted)" \
  wait_metrics '^llmon_bench_runs_total\{model="gpt-oss:20b",ollama="a",prompt="documentation",result="skipped_not_loaded"\} 1$' 30
wait_file() { for _ in $(seq 1 100); do [[ -s "$1" ]] && return 0; sleep 0.1; done; return 1; }
wait_log() { for _ in $(seq 1 100); do grep -q -- "$1" "$LLMON_LOG" && return 0; sleep 0.1; done; return 1; }
check "the baseline file is written at the end of the cycle" wait_file "$WORK/state/bench_baseline.json"
scrape > "$WORK/m.prom"
check "promtool check metrics is clean" promtool_clean "$WORK/m.prom"
check "generation speed comes from Ollama's timings (fake: 400 tokens/s)" \
  grep -Eq "^llmon_bench_last_eval_tokens_per_second\{$Q,prompt=\"binary_search\"\} (399\.9|400(\.0)?)[0-9]*$" "$WORK/m.prom"
check "prompt speed likewise (fake: 2000 tokens/s)" \
  grep -Eq "^llmon_bench_last_prompt_eval_tokens_per_second\{$Q,prompt=\"binary_search\"\} (1999\.9|2000(\.0)?)[0-9]*$" "$WORK/m.prom"
ttft="$(grep "^llmon_bench_last_ttft_seconds{$Q,prompt=\"binary_search\"}" "$WORK/m.prom" | awk '{print $2}')"
check "time to first token within tolerance of the fake's 120 ms (got $ttft)" \
  awk -v t="$ttft" 'BEGIN { exit !(t >= 0.12 && t < 1.0) }'
check "a garbage answer is a mismatch, not ok" \
  grep -q '^llmon_bench_runs_total{model="llama3.2:3b",ollama="a",prompt="binary_search",result="mismatch"} 1$' "$WORK/m.prom"
check "correctness is exported" grep -q "^llmon_bench_last_correct{$Q,prompt=\"bug_fix\"} 1$" "$WORK/m.prom"
check "the cold model is skipped as skipped_not_loaded" \
  grep -q '^llmon_bench_runs_total{model="gpt-oss:20b",ollama="a",prompt="binary_search",result="skipped_not_loaded"} 1$' "$WORK/m.prom"
check "and was sent nothing" test "$(requests | jq '[.[] | select(.body.model? == "gpt-oss:20b")] | length')" -eq 0
check "histograms are exported" grep -q "^llmon_bench_ttft_seconds_bucket{$Q,prompt=\"binary_search\",le=\"0.25\"} 1$" "$WORK/m.prom"
check "concurrency 2 is reported" \
  grep -Eq '^llmon_bench_concurrent_eval_tokens_per_second\{concurrency="2",model="qwen3-coder:30b-a3b-q8_0",ollama="a"\} [1-9]' "$WORK/m.prom"
check "runs of one instance never overlap (the fake saw at most one at a time)" \
  test "$(fake_get a /_fake/stats | jq '.models["llama3.2:3b"].max_concurrent')" -eq 1
check "the embedding model was left alone" \
  bash -c "! grep -q 'model=\"nomic-embed-text:latest\",ollama=\"a\",prompt' '$WORK/m.prom'"

gens="$(generations)"
check "keep_alive is never sent" test "$(jq '[.[] | select(.body | has("keep_alive"))] | length' <<<"$gens")" -eq 0
check "num_ctx is absent or exactly the loaded context length" \
  test "$(jq '[.[] | select(.body.options.num_ctx != null and .body.options.num_ctx != (if .body.model == "llama3.2:3b" then 4096 else 262144 end))] | length' <<<"$gens")" -eq 0
check "every prompt starts with a nonce and all are distinct" \
  test "$(jq '[.[] | (.body.prompt // .body.messages[0].content) | select(test("^\\[[0-9a-f]+\\] "))] | unique | length' <<<"$gens")" \
       -eq "$(jq '[.[] | select(.body.options.num_ctx != null or true)] | length' <<<"$gens")"
check "no model was loaded, unloaded or reloaded" \
  test "$(fake_get a /_fake/stats | jq '[.models[] | .loads + .reloads + .unloads] | add')" -eq 0
check "no temporary files are left in the state directory" \
  test "$(find "$WORK/state" -type f | wc -l)" -eq 1
stop_llmon TERM

# --- a restart keeps the baseline: the first cycle already has one and a regression ratio
write_config 'models = ["qwen3-coder:30b-a3b-q8_0"]'
start_llmon --config "$WORK/llmon.toml"
check "after a restart the baseline is there at the first cycle" \
  wait_metrics "^llmon_bench_baseline_eval_tokens_per_second\{$Q,prompt=\"binary_search\"\} 4" 30
check "and the regression ratio is about 1" \
  wait_metrics "^llmon_bench_regression_ratio\{$Q,prompt=\"binary_search\"\} (0\.99|1)" 5
stop_llmon TERM

# --- a corrupt state file is logged and ignored
echo '{"this is": not json' > "$WORK/state/bench_baseline.json"
start_llmon --config "$WORK/llmon.toml"
check "a corrupt baseline file does not stop the benchmarks" \
  wait_metrics "^llmon_bench_runs_total\{$Q,prompt=\"binary_search\",result=\"ok\"\} 1$" 30
check "and is reported in the log" grep -q 'ignoring the benchmark baselines' "$LLMON_LOG"
stop_llmon TERM

# --- a busy GPU: every run is skipped
cp -a "$FIXTURES/sysfs/strix_halo" "$WORK/busy_sys"
busy_file="$(find "$WORK/busy_sys" -name gpu_busy_percent | head -1)"
echo 90 > "$busy_file"
write_config 'models = ["qwen3-coder:30b-a3b-q8_0"]' "$WORK/busy_sys"
fake_post a /_fake/requests '' >/dev/null 2>&1 || true
before="$(generations | jq length)"
start_llmon --config "$WORK/llmon.toml"
check "runs are skipped while the GPU reads 90 % busy" \
  wait_metrics "^llmon_bench_runs_total\{$Q,prompt=\"binary_search\",result=\"skipped_busy\"\} 1$" 30
check "and nothing was sent" test "$(generations | jq length)" -eq "$before"
stop_llmon TERM

# --- a hang is cancelled at the timeout; a mid-stream error is an error
{ cat "$FIXTURES/ollama/bench.toml"
  printf '\n[[faults]]\nendpoint = "/api/generate"\nkind = "hang"\n'
  printf '\n[[faults]]\nendpoint = "/api/chat"\nkind = "mid_stream_error"\nafter_chunks = 2\nerror = "llama runner process has terminated"\n'
} > "$WORK/faults.toml"
fake_post a /_fake/scenario "$(cat "$WORK/faults.toml")" application/toml >/dev/null
TIMEOUT=1s write_config 'models = ["qwen3-coder:30b-a3b-q8_0"]
prompt = [
  { name = "gen", prompt = "Write hello world in C" },
  { name = "chat", prompt = "Write hello world in Go", api = "chat" },
]'
start_llmon --config "$WORK/llmon.toml"
check "a hanging request is cancelled at the timeout and counted as timeout" \
  wait_metrics "^llmon_bench_runs_total\{$Q,prompt=\"gen\",result=\"timeout\"\} 1$" 30
check "a mid-stream error line is counted as error" \
  wait_metrics "^llmon_bench_runs_total\{$Q,prompt=\"chat\",result=\"error\"\} 1$" 30
check "the error is logged once" grep -q 'llama runner process has terminated' "$LLMON_LOG"
stop_llmon TERM
fake_post a /_fake/scenario "$(cat "$FIXTURES/ollama/bench.toml")" application/toml >/dev/null

# --- a short interval: cycles follow each other, requests never overlap
fake_post a /_fake/scenario "$(cat "$FIXTURES/ollama/bench.toml")" application/toml >/dev/null
INTERVAL=1s write_config 'models = ["llama3.2:3b"]
prompt = [{ name = "p", prompt = "Say hi" }]'
start_llmon --config "$WORK/llmon.toml"
check "several cycles run back to back under a 1s interval" \
  wait_metrics '^llmon_bench_runs_total\{model="llama3.2:3b",ollama="a",prompt="p",result="ok"\} [3-9]$' 30
check "and the fake never saw two of them at once" \
  test "$(fake_get a /_fake/stats | jq '.models["llama3.2:3b"].max_concurrent')" -eq 1
stop_llmon TERM

# --- a reload in the middle of a slow request cancels it: old and new cycles never overlap
sed 's/^tokens_per_second = 400$/tokens_per_second = 2/' "$FIXTURES/ollama/bench.toml" > "$WORK/slow.toml"
fake_post a /_fake/scenario "$(cat "$WORK/slow.toml")" application/toml >/dev/null
fake_get a /_fake/stats >/dev/null
curl -sS -X DELETE "http://127.0.0.1:$FAKE_PORT_a/_fake/stats" >/dev/null
TIMEOUT=60s write_config 'models = ["qwen3-coder:30b-a3b-q8_0"]
prompt = [{ name = "slow", prompt = "Write a long essay" }]'
start_llmon --config "$WORK/llmon.toml"
wait_generations() {  # wait_generations N: until the fake has received N benchmark requests
  for _ in $(seq 1 100); do
    [[ "$(generations | jq length)" -ge "$1" ]] && return 0
    sleep 0.1
  done
  return 1
}
curl -sS -X DELETE "http://127.0.0.1:$FAKE_PORT_a/_fake/requests" >/dev/null
check "a slow benchmark request is in flight" wait_generations 1
kill -HUP "$LLMON_PID"
check "after the reload the new cycle sends its request" wait_generations 2
sleep 0.5
check "the old request was cancelled: never two at once" \
  test "$(fake_get a /_fake/stats | jq '.models["qwen3-coder:30b-a3b-q8_0"].max_concurrent')" -eq 1
stop_llmon TERM
fake_post a /_fake/scenario "$(cat "$FIXTURES/ollama/bench.toml")" application/toml >/dev/null

# --- /api/ps reporting context_length 0 (servers before a runner reports it): llmon must not
# send num_ctx 0, which Ollama would take literally (a reload with a 4-token context)
awk '{ print } /^name = "llama3.2:3b"$/ { print "omit_context_length = true"; print "ps_extra = { context_length = 0 }" }' \
  "$FIXTURES/ollama/bench.toml" > "$WORK/ctx0.toml"
fake_post a /_fake/scenario "$(cat "$WORK/ctx0.toml")" application/toml >/dev/null
curl -sS -X DELETE "http://127.0.0.1:$FAKE_PORT_a/_fake/stats" >/dev/null
curl -sS -X DELETE "http://127.0.0.1:$FAKE_PORT_a/_fake/requests" >/dev/null
check "the fake reports context_length 0" \
  test "$(fake_get a /api/ps | jq '.models[] | select(.name == "llama3.2:3b") | .context_length')" = 0
write_config 'models = ["llama3.2:3b"]
prompt = [{ name = "p", prompt = "Say hi" }]'
start_llmon --config "$WORK/llmon.toml"
check "the run ends" \
  wait_metrics '^llmon_bench_runs_total\{model="llama3.2:3b",ollama="a",prompt="p",result="ok"\} 1$' 30
check "num_ctx was not sent" \
  test "$(generations | jq '[.[] | select(.body.options | has("num_ctx"))] | length')" -eq 0
check "the model was not reloaded" \
  test "$(fake_get a /_fake/stats | jq '.models["llama3.2:3b"].reloads')" -eq 0
stop_llmon TERM
fake_post a /_fake/scenario "$(cat "$FIXTURES/ollama/bench.toml")" application/toml >/dev/null

# --- a missing state directory: said once at start; each failed save is counted and the run is
# degraded (results still published); once the directory exists the baselines are saved
STATE_DIR="$WORK/nostate" INTERVAL=1s write_config 'models = ["qwen3-coder:30b-a3b-q8_0"]
prompt = [{ name = "p", prompt = "Write hello world in C" }]'
start_llmon --config "$WORK/llmon.toml"
check "a missing state_dir is one clear line at start" \
  test "$(grep -c "bench.state_dir $WORK/nostate does not exist: benchmark baselines will not be saved" "$LLMON_LOG")" -eq 1
check "a failed save is counted" \
  wait_metrics '^llmon_bench_state_write_errors_total\{ollama="a"\} [1-9]' 30
check "the run's results are still published" \
  wait_metrics "^llmon_bench_runs_total\{$Q,prompt=\"p\",result=\"ok\"\} [1-9]" 5
check "the collector is degraded, not failed: success stays 1" \
  wait_metrics '^llmon_collector_success\{collector="bench/a"\} 1$' 5
check "the failure is logged once, with the reason" \
  test "$(grep -c 'bench/a: cannot save the benchmark baselines: .*nostate: the state directory does not exist' "$LLMON_LOG")" -eq 1
check "llmon does not create the directory" test ! -e "$WORK/nostate"
mkdir "$WORK/nostate"
check "once it exists, the baselines are saved" wait_file "$WORK/nostate/bench_baseline.json"
check "and the recovery is logged" wait_log 'bench/a: healthy again'
stop_llmon TERM

# --- an instance that is down and one with nothing loaded (an idle box): cycles with nothing to
# do end at once, again and again (this crashed the daemon at the second cycle)
printf '[server]\nversion = "0.12.11"\n[[models]]\nname = "llama3.2:3b"\n' > "$WORK/idle.toml"
start_fake idle "$WORK/idle.toml"
cat > "$WORK/idle_down.toml" <<TOML
[gpu]
backend = "none"
[[ollama]]
name = "idle"
url = "127.0.0.1:$FAKE_PORT_idle"
interval = "200ms"
process = ""
[[ollama]]
name = "down"
url = "127.0.0.1:9"
interval = "200ms"
process = ""
[bench]
enabled = true
interval = "1s"
jitter = "0s"
state_dir = "$WORK/state"
TOML
start_llmon --config "$WORK/idle_down.toml"
# wait_cycles COLLECTOR N: until its last-success timestamp took N distinct values (N cycles).
wait_cycles() {
  local seen="" value
  for _ in $(seq 1 150); do
    kill -0 "$LLMON_PID" 2>/dev/null || { echo "llmon died" >&2; return 1; }
    value="$(metric_value "^llmon_collector_last_success_timestamp_seconds\{collector=\"$1\"\}")"
    [[ -n "$value" && "$seen" != *" $value"* ]] && seen="$seen $value"
    [[ "$(wc -w <<<"$seen")" -ge "$2" ]] && return 0
    sleep 0.1
  done
  return 1
}
check "cycles against the idle instance keep ending (4 cycles at a 1s interval)" wait_cycles bench/idle 4
check "cycles against the down instance keep ending" wait_cycles bench/down 4
check "the daemon is still up" kill -0 "$LLMON_PID"
check "both bench collectors report success" \
  test "$(scrape | grep -cE '^llmon_collector_success\{collector="bench/(idle|down)"\} 1$')" -eq 2
check "the idle instance was sent no generation" \
  test "$(fake_get idle /_fake/requests | jq '[.[] | select(.path == "/api/generate" or .path == "/api/chat")] | length')" -eq 0
stop_llmon TERM
check "and it exits cleanly" test "$STOP_STATUS" -eq 0
stop_fake idle

# --- llmon bench
write_config ''
"$LLMON_BIN" bench --config "$WORK/llmon.toml" --prompt binary_search --prompt bug_fix \
  --runs 2 --format json > "$WORK/bench.json" 2>"$WORK/bench.err" || true
check "llmon bench --format json is valid JSON" jq -e . "$WORK/bench.json"
check "it compares the two loaded text models" \
  test "$(jq -r '[.models[].model] | sort | join(",")' "$WORK/bench.json")" = "llama3.2:3b,qwen3-coder:30b-a3b-q8_0"
check "2 prompts x 2 runs per model" test "$(jq '[.models[].runs] | unique' -c "$WORK/bench.json")" = "[4]"
check "speeds are exactly eval_count / eval_duration" \
  test "$(jq '[.models[].details[] | select(.eval_count != null) | ((.eval_count / (.eval_duration_ns / 1e9)) - .eval_tokens_per_second) | fabs] | max < 1e-9' "$WORK/bench.json")" = true
check "correct answers are counted" \
  test "$(jq '.models[] | select(.model == "qwen3-coder:30b-a3b-q8_0") | .correct' "$WORK/bench.json")" -eq 4
"$LLMON_BIN" bench --config "$WORK/llmon.toml" --prompt binary_search > "$WORK/table.txt" 2>/dev/null || true
check "the table has a row per model" test "$(grep -c -e '^qwen3-coder' -e '^llama3.2' "$WORK/table.txt")" -eq 2
"$LLMON_BIN" bench --config "$WORK/llmon.toml" --prompt binary_search --format csv > "$WORK/t.csv" 2>/dev/null || true
check "csv has a header and two rows" test "$(wc -l < "$WORK/t.csv")" -eq 3
fake_post a /_fake/faults '{"endpoint":"/api/generate","kind":"status","status":500,"error":"llama runner process has terminated: exit status 2"}' >/dev/null
"$LLMON_BIN" bench --config "$WORK/llmon.toml" --model qwen3-coder:30b-a3b-q8_0 --prompt binary_search \
  --format json > "$WORK/err.json" 2>/dev/null || true
check "Ollama's error text is in the result" \
  test "$(jq -r '.models[0].details[0].error' "$WORK/err.json")" = "HTTP 500: llama runner process has terminated: exit status 2"
curl -sS -X DELETE "http://127.0.0.1:$FAKE_PORT_a/_fake/faults" >/dev/null
status=0
"$LLMON_BIN" bench --config "$WORK/llmon.toml" --model gpt-oss:20b 2>"$WORK/cold.err" || status=$?
check "a model that is not loaded is refused without --allow-load" \
  bash -c "[[ $status -ne 0 ]] && grep -q 'not loaded' '$WORK/cold.err' && grep -q -- '--allow-load' '$WORK/cold.err'"
status=0
"$LLMON_BIN" bench --config "$WORK/llmon.toml" --model gpt-oss:20b --prompt binary_search \
  --allow-load >/dev/null 2>"$WORK/load.err" || status=$?
check "with --allow-load llmon says it will load it" grep -q 'will be loaded' "$WORK/load.err"
status=0
"$LLMON_BIN" bench --config "$WORK/llmon.toml" --model no-such:model 2>"$WORK/missing.err" || status=$?
check "a missing model is a clear error" bash -c "[[ $status -ne 0 ]] && grep -q 'not available' '$WORK/missing.err'"
status=0
"$LLMON_BIN" bench --ollama 127.0.0.1:9 2>"$WORK/down.err" || status=$?
check "an unreachable Ollama is a clear error" bash -c "[[ $status -eq 1 ]] && grep -q 'cannot reach Ollama' '$WORK/down.err'"
finish
