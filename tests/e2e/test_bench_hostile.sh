#!/usr/bin/env bash
# Benchmarks every second for a bounded time against a down, an idle and a hostile Ollama
# (its fault changes every second: errors, hangs, resets, broken and oversized bodies, slow
# drips, impossible timings), with a few reloads: the daemon stays up, every cycle ends,
# nothing impossible is exported and resident memory stays flat.
source "$(dirname "$0")/lib.sh"

RUN_SECONDS="${HOSTILE_SECONDS:-24}"
WARMUP=6                  # seconds before the RSS sample growth is measured from
MAX_RSS_GROWTH_KIB=1024   # from the warm-up sample to the end

sed -e 's/^load_delay = .*/load_delay = "50ms"/' "$FIXTURES/ollama/bench.toml" > "$WORK/hostile.toml"
start_fake hostile "$WORK/hostile.toml"
sed -e 's/^loaded = true/loaded = false/' "$FIXTURES/ollama/bench.toml" > "$WORK/idle.toml"
start_fake idle "$WORK/idle.toml"
mkdir -p "$WORK/state"
cat > "$WORK/llmon.toml" <<TOML
[gpu]
backend = "sysfs"
sysfs_root = "$FIXTURES/sysfs/strix_halo"
sample_interval = "100ms"
[host]
procfs_root = "$FIXTURES/proc/strix_halo"
TOML
for name in hostile idle down; do
  port_var="FAKE_PORT_$name"
  cat >> "$WORK/llmon.toml" <<TOML
[[ollama]]
name = "$name"
url = "127.0.0.1:${!port_var:-9}"
interval = "500ms"
timeout = "1s"
process = ""
TOML
done
cat >> "$WORK/llmon.toml" <<TOML
[bench]
enabled = true
interval = "1s"
jitter = "0s"
timeout = "2s"
skip_if_gpu_busy_above = 1.0
state_dir = "$WORK/state"
concurrency = 2
[[bench.prompt]]
name = "gen"
prompt = "Write hello world in C"
expect = "def"
[[bench.prompt]]
name = "chat"
prompt = "Write hello world in Go"
api = "chat"
TOML
start_llmon --config "$WORK/llmon.toml"

# The hostile instance: a new fault on the generation endpoints and the listings every second,
# with a healthy second between two faults, so that ok runs are certain too, not luck.
kinds=(
  '{"kind":"bogus_metrics","metrics":{"eval_count":9223372036854775807,"eval_duration":1}}'
  '{"kind":"status","status":500,"error":"llama runner process has terminated: exit status 2"}'
  '{"kind":"mid_stream_error","after_chunks":2,"error":"out of memory"}'
  '{"kind":"malformed_json"}'
  '{"kind":"hang"}'
  '{"kind":"bogus_metrics","metrics":{"eval_count":100,"eval_duration":1,"total_duration":-5}}'
  '{"kind":"truncated"}'
  '{"kind":"oversized","bytes":9000000}'
  '{"kind":"reset"}'
  '{"kind":"slow_drip","interval":"5ms"}'
)
rotate() {
  local i=0 endpoint fault
  while true; do
    if ((i % 2)); then
      curl -sS --max-time 5 -X DELETE "http://127.0.0.1:$FAKE_PORT_hostile/_fake/faults" \
        >/dev/null 2>&1 || true
    else
      fault="${kinds[(i / 2) % ${#kinds[@]}]}"
      for endpoint in /api/generate /api/chat /api/show; do
        fake_post hostile /_fake/faults "{\"endpoint\":\"$endpoint\",${fault:1}" >/dev/null 2>&1 || true
      done
    fi
    # Once the listing breaks too: the instance flips down (polls back off) and up again.
    if ((i == 4)); then
      fake_post hostile /_fake/faults '{"endpoint":"/api/ps","kind":"malformed_json","times":1}' \
        >/dev/null 2>&1 || true
    fi
    i=$((i + 1))
    sleep 1
  done
}
rotate &
ROTATE_PID=$!
trap 'kill $ROTATE_PID 2>/dev/null || true; cleanup' EXIT

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$LLMON_PID/status" 2>/dev/null || echo 0; }
sleep "$WARMUP"
rss_start="$(rss_kib)"
rss_max="$rss_start"
for ((t = WARMUP; t < RUN_SECONDS; t++)); do
  sleep 1
  kill -0 "$LLMON_PID" 2>/dev/null || break
  rss="$(rss_kib)"
  ((rss > rss_max)) && rss_max="$rss"
  # A reload mid-run: the cycles in flight are cancelled, new collectors start.
  ((t == 10)) && kill -HUP "$LLMON_PID"
done
kill "$ROTATE_PID" 2>/dev/null || true
check "the daemon is still up after ${RUN_SECONDS}s" kill -0 "$LLMON_PID"
rss_end="$(rss_kib)"
echo "resident memory: ${rss_start} KiB after ${WARMUP}s, peak ${rss_max} KiB, ${rss_end} KiB at the end"
check_memory "resident memory stays flat (peak at most $MAX_RSS_GROWTH_KIB KiB above the warm-up sample)" \
  test "$((rss_max - rss_start))" -le "$MAX_RSS_GROWTH_KIB"

scrape > "$WORK/m.prom" || true
check "promtool check metrics is clean" promtool_clean "$WORK/m.prom"
for name in hostile idle down; do
  check "bench/$name reports success" grep -q "^llmon_collector_success{collector=\"bench/$name\"} 1$" "$WORK/m.prom"
done
check "the hostile instance's runs were counted, errors and ok ones" \
  bash -c "grep -q '^llmon_bench_runs_total{.*ollama=\"hostile\".*result=\"error\"} ' '$WORK/m.prom' &&
           grep -q '^llmon_bench_runs_total{.*ollama=\"hostile\".*result=\"ok\"} ' '$WORK/m.prom'"
check "nothing impossible is exported (generation at most 100000 tokens/s, histogram sums too)" \
  awk '/^llmon_bench_(last_eval_tokens_per_second|eval_tokens_per_second_sum)\{/ { if ($2 + 0 > 1e5 * 1000) bad = 1 }
       /^llmon_bench_last_eval_tokens_per_second\{/ { if ($2 + 0 > 1e5) bad = 1 }
       /^llmon_bench_last_eval_tokens\{/ { if ($2 + 0 > 1e8) bad = 1 }
       END { exit bad }' "$WORK/m.prom"
check "impossible values were logged" grep -q 'Ollama reported impossible values, not exported' "$LLMON_LOG"
check "the idle and the down instance were sent no generation" \
  test "$(fake_get idle /_fake/requests | jq '[.[] | select(.path == "/api/generate" or .path == "/api/chat")] | length')" -eq 0
kill -0 "$LLMON_PID" 2>/dev/null && stop_llmon TERM || STOP_STATUS=died
check "and it exits cleanly" test "$STOP_STATUS" -eq 0
finish
