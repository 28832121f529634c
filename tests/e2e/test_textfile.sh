#!/usr/bin/env bash
# `llmon collect` as a node_exporter textfile feed, read by the real prometheus-node-exporter
# (Debian package) with only its textfile collector: no gathering errors, llmon's families there.
source "$(dirname "$0")/lib.sh"

command -v prometheus-node-exporter >/dev/null ||
  { fail "prometheus-node-exporter is not installed (make deps)"; finish; }

start_fake a "$FIXTURES/ollama/strix_halo.toml"
mkdir -p "$WORK/textfile" "$WORK/state"
cat > "$WORK/llmon.toml" <<TOML
[gpu]
backend = "sysfs"
sysfs_root = "$FIXTURES/sysfs/strix_halo"
[host]
procfs_root = "$FIXTURES/proc/strix_halo"
[[ollama]]
name = "main"
url = "127.0.0.1:$FAKE_PORT_a"
process = ""
[bench]
enabled = true
state_dir = "$WORK/state"
models = ["qwen3-coder:30b-a3b-q8_0"]
[[bench.prompt]]
name = "p"
prompt = "Write hello world in C"
TOML
# As docs/deployment.md says: write aside, then rename, so the reader never sees half a file.
"$LLMON_BIN" collect --config "$WORK/llmon.toml" > "$WORK/textfile/llmon.prom.tmp" \
  2>"$WORK/collect.err" || fail "collect failed: $(cat "$WORK/collect.err")"
mv "$WORK/textfile/llmon.prom.tmp" "$WORK/textfile/llmon.prom"
check "collect has no process_* families (node_exporter exports its own)" \
  bash -c "! grep -q '^process_' '$WORK/textfile/llmon.prom'"
check "and runs no benchmark without --bench, [bench] enabled or not" \
  test "$(fake_get a /_fake/requests | jq '[.[] | select(.path == "/api/generate" or .path == "/api/chat")] | length')" -eq 0
check "nor prints llmon_bench_ families" bash -c "! grep -q '^llmon_bench_' '$WORK/textfile/llmon.prom'"

free_port() {
  local p
  for _ in $(seq 1 50); do
    p=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
  return 1
}
NE_PORT="$(free_port)"
prometheus-node-exporter --web.listen-address="127.0.0.1:$NE_PORT" --collector.disable-defaults \
  --collector.textfile --collector.textfile.directory="$WORK/textfile" 2>"$WORK/ne.log" &
NE_PID=$!
trap 'kill $NE_PID 2>/dev/null || true; cleanup' EXIT
ne_scrape() { curl -sS --max-time 5 "http://127.0.0.1:$NE_PORT/metrics"; }
for _ in $(seq 1 100); do ne_scrape >/dev/null 2>&1 && break; sleep 0.1; done
ne_scrape > "$WORK/ne1.prom"  # gathering errors are counted from the first scrape on
ne_scrape > "$WORK/ne2.prom"
check "node_exporter parsed the file (node_textfile_scrape_error 0)" \
  grep -q '^node_textfile_scrape_error 0$' "$WORK/ne2.prom"
check "no gathering errors (promhttp_metric_handler_errors_total{cause=\"gathering\"} 0)" \
  grep -q '^promhttp_metric_handler_errors_total{cause="gathering"} 0$' "$WORK/ne2.prom"
check "and none in its log" bash -c "! grep -q 'error gathering metrics' '$WORK/ne.log'"
check "llmon's GPU, host and Ollama families are served" \
  bash -c "grep -q '^llmon_gpu_devices{backend=\"sysfs\"} 1$' '$WORK/ne2.prom' &&
           grep -q '^llmon_host_memory_total_bytes ' '$WORK/ne2.prom' &&
           grep -q '^llmon_ollama_up{ollama=\"main\"} 1$' '$WORK/ne2.prom'"
check "every llmon family of the file is served" \
  test "$(grep -c '^# TYPE llmon_' "$WORK/textfile/llmon.prom")" -eq "$(grep -c '^# TYPE llmon_' "$WORK/ne2.prom")"

# --bench runs the suite once; the feed stays valid.
"$LLMON_BIN" collect --bench --config "$WORK/llmon.toml" > "$WORK/textfile/llmon.prom.tmp" \
  2>"$WORK/collect.err" || fail "collect --bench failed: $(cat "$WORK/collect.err")"
mv "$WORK/textfile/llmon.prom.tmp" "$WORK/textfile/llmon.prom"
check "collect --bench runs the benchmark" \
  grep -q '^llmon_bench_runs_total{model="qwen3-coder:30b-a3b-q8_0",ollama="main",prompt="p",result="ok"} 1$' \
  "$WORK/textfile/llmon.prom"
ne_scrape > "$WORK/ne3.prom"
check "node_exporter serves it without errors" \
  bash -c "grep -q '^node_textfile_scrape_error 0$' '$WORK/ne3.prom' &&
           grep -q '^promhttp_metric_handler_errors_total{cause=\"gathering\"} 0$' '$WORK/ne3.prom' &&
           grep -q '^llmon_bench_runs_total{' '$WORK/ne3.prom'"
check "still none in its log" bash -c "! grep -q 'error gathering metrics' '$WORK/ne.log'"
finish
