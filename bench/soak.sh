#!/usr/bin/env bash
# soak.sh: llmon under sustained load for a bounded time, with configuration reloads (SIGHUP)
# and a hostile Ollama, reporting errors, scrape latency and resident memory growth.
# See bench/README.md ("Soak test").
#
#   bench/soak.sh [--seconds N] [--connections N] [--hup-interval S] [--fault-interval S]
#                 [--bench-instances LIST] [--llmon PATH] [--fake-ollama PATH]
#
# Everything listens on 127.0.0.1 only, and every process started here is stopped when the script
# exits (normally, on error or on Ctrl-C). Exit status 0 only when there were no errors.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SECONDS_TOTAL=180
CONNECTIONS=16
HUP_INTERVAL=1
FAULT_INTERVAL=2
BENCH_INSTANCES="hostile,idle,down"
LLMON_BIN="${LLMON_BIN:-$REPO/build/llmon}"
FAKE_BIN="${LLMON_FAKE_OLLAMA:-$REPO/build/tests/support/fake_ollama/fake_ollama}"
WARMUP=5          # seconds before the first RSS sample that growth is measured from
MAX_RSS_GROWTH_KIB=4096  # more resident growth than this over the run is reported as an error

usage() {
  cat <<EOF
usage: $0 [options]

Runs llmon serve against three Ollama instances (a hostile fake whose fault changes every
--fault-interval seconds, an idle fake with nothing loaded, and an address where nothing
listens), with benchmarks every second, while wrk scrapes /metrics and a SIGHUP reloads the
configuration every --hup-interval seconds. Then prints requests, errors, latency percentiles
and resident memory over the run.

  --seconds N          length of the run (default $SECONDS_TOTAL, 10-86400)
  --connections N      wrk keep-alive connections (default $CONNECTIONS, 1-1024)
  --hup-interval S     seconds between SIGHUPs, decimals allowed (default $HUP_INTERVAL)
  --fault-interval S   seconds between fault changes on the hostile instance (default $FAULT_INTERVAL)
  --bench-instances L  instances benchmarked, comma-separated (default $BENCH_INSTANCES)
  --llmon PATH         llmon binary (default \$LLMON_BIN, else build/llmon)
  --fake-ollama PATH   fake Ollama binary (default build/tests/support/fake_ollama/fake_ollama)
EOF
}

while [[ $# -gt 0 ]]; do
  case "$1" in
    --seconds) SECONDS_TOTAL="$2"; shift 2 ;;
    --connections) CONNECTIONS="$2"; shift 2 ;;
    --hup-interval) HUP_INTERVAL="$2"; shift 2 ;;
    --fault-interval) FAULT_INTERVAL="$2"; shift 2 ;;
    --bench-instances) BENCH_INSTANCES="$2"; shift 2 ;;
    --llmon) LLMON_BIN="$2"; shift 2 ;;
    --fake-ollama) FAKE_BIN="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
  esac
done
[[ "$SECONDS_TOTAL" =~ ^[0-9]+$ && "$SECONDS_TOTAL" -ge 10 && "$SECONDS_TOTAL" -le 86400 ]] ||
  { echo "--seconds: expected 10-86400" >&2; exit 2; }
[[ "$CONNECTIONS" =~ ^[0-9]+$ && "$CONNECTIONS" -ge 1 && "$CONNECTIONS" -le 1024 ]] ||
  { echo "--connections: expected 1-1024" >&2; exit 2; }
for bin in "$LLMON_BIN" "$FAKE_BIN"; do
  [[ -x "$bin" ]] || { echo "$bin: not found; run make build first" >&2; exit 2; }
done
# A sanitizer build's resident memory (shadow memory, ASan's quarantine of freed blocks) says
# nothing about llmon's own: its growth is shown but not judged (LeakSanitizer judges at exit).
SANITIZED=""
if grep -aqE '__(asan|tsan)_init' "$LLMON_BIN"; then SANITIZED=1; fi
for tool in wrk curl; do
  if ! command -v "$tool" >/dev/null; then
    echo "installing $tool (Debian package)"
    SUDO=""; [[ "$(id -u)" -eq 0 ]] || SUDO=sudo
    $SUDO apt-get install -y -qq "$tool" >/dev/null || { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq "$tool" >/dev/null; }
  fi
done

WORK="$(mktemp -d "${TMPDIR:-/tmp}/llmon-soak.XXXXXX")"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start_fake NAME SCENARIO: sets FAKE_URL.
start_fake() {
  "$FAKE_BIN" --scenario "$2" --listen 127.0.0.1:0 2>"$WORK/$1.log" &
  PIDS+=($!)
  local i
  for i in $(seq 100); do
    FAKE_URL="$(sed -n 's/.*listening on \(127[0-9.:]*\).*/http:\/\/\1/p' "$WORK/$1.log" | head -n1)"
    [[ -n "$FAKE_URL" ]] && return 0
    sleep 0.05
  done
  echo "fake Ollama $1 did not start:" >&2
  cat "$WORK/$1.log" >&2
  exit 1
}

# The hostile instance: models loaded, benchmarks answered, faults injected below.
sed -e 's/^load_delay = .*/load_delay = "50ms"/' "$REPO/tests/fixtures/ollama/bench.toml" \
  > "$WORK/hostile.toml"
start_fake hostile "$WORK/hostile.toml"
HOSTILE="$FAKE_URL"
# The idle instance: the same models on disk, none loaded.
sed -e 's/^loaded = true/loaded = false/' "$REPO/tests/fixtures/ollama/bench.toml" > "$WORK/idle.toml"
start_fake idle "$WORK/idle.toml"
IDLE="$FAKE_URL"

cat > "$WORK/llmon.toml" <<EOF
[gpu]
backend = "sysfs"
sysfs_root = "$REPO/tests/fixtures/sysfs/strix_halo"
interval = "1s"

[host]
procfs_root = "$REPO/tests/fixtures/proc/strix_halo"
interval = "1s"

[[ollama]]
name = "hostile"
url = "$HOSTILE"
interval = "1s"
timeout = "1s"
process = ""

[[ollama]]
name = "idle"
url = "$IDLE"
interval = "1s"
timeout = "1s"
process = ""

[[ollama]]
name = "down"
url = "http://127.0.0.1:9"
interval = "1s"
timeout = "1s"
process = ""

[bench]
enabled = true
interval = "1s"
jitter = "0s"
timeout = "2s"
only_loaded = false
instances = [$(echo "$BENCH_INSTANCES" | sed 's/[^,][^,]*/"&"/g')]
state_dir = "$WORK/state"
EOF

"$LLMON_BIN" serve --config "$WORK/llmon.toml" --listen 127.0.0.1:0 2>"$WORK/llmon.log" &
LLMON_PID=$!
PIDS+=("$LLMON_PID")
PORT=""
for _ in $(seq 200); do
  PORT="$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$WORK/llmon.log" | tail -n1)"
  [[ -n "$PORT" ]] && break
  sleep 0.05
done
[[ -n "$PORT" ]] || { echo "llmon did not start:" >&2; cat "$WORK/llmon.log" >&2; exit 1; }
URL="http://127.0.0.1:$PORT/metrics"

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$LLMON_PID/status" 2>/dev/null || echo 0; }

echo "soak: ${SECONDS_TOTAL}s, $CONNECTIONS connections, SIGHUP every ${HUP_INTERVAL}s," \
  "fault change every ${FAULT_INTERVAL}s; llmon pid $LLMON_PID on 127.0.0.1:$PORT"

# Memory: one sample a second, into rss.txt.
( while kill -0 "$LLMON_PID" 2>/dev/null; do rss_kib >> "$WORK/rss.txt"; sleep 1; done ) &
PIDS+=($!)

# SIGHUP storm, counted.
( n=0; end=$(( $(date +%s) + SECONDS_TOTAL ))
  while [[ $(date +%s) -lt $end ]] && kill -HUP "$LLMON_PID" 2>/dev/null; do
    n=$((n + 1)); echo "$n" > "$WORK/hups"; sleep "$HUP_INTERVAL"
  done ) &
PIDS+=($!)

# Faults: one kind after another on every endpoint of the hostile instance (see
# tests/fixtures/ollama/README.md, [[faults]]), with a clean interval between kinds.
FAULTS=(
  '{"kind":"status","status":500,"error":"injected"}'
  '{"kind":"malformed_json"}'
  '{"kind":"truncated"}'
  '{"kind":"hang"}'
  '{"kind":"oversized","bytes":4194304}'
  '{"kind":"reset"}'
  '{"kind":"slow_drip","interval":"20ms"}'
  '{"kind":"mid_stream_error","after_chunks":2,"error":"model runner has unexpectedly stopped"}'
  'clear'
)
( i=0; n=0; end=$(( $(date +%s) + SECONDS_TOTAL ))
  while [[ $(date +%s) -lt $end ]]; do
    f="${FAULTS[$((i % ${#FAULTS[@]}))]}"
    curl -s -o /dev/null -X DELETE "$HOSTILE/_fake/faults" || true
    if [[ "$f" != clear ]]; then
      curl -s -o /dev/null -X POST "$HOSTILE/_fake/faults" -d "${f%\}},\"endpoint\":\"*\"}" || true
    fi
    i=$((i + 1)); n=$((n + 1)); echo "$n" > "$WORK/faults"
    sleep "$FAULT_INTERVAL"
  done ) &
PIDS+=($!)

sleep "$WARMUP"
RSS_START=$(rss_kib)
threads=$(( CONNECTIONS < 2 ? 1 : 2 ))
wrk -t"$threads" -c"$CONNECTIONS" -d"$((SECONDS_TOTAL - WARMUP))s" --latency --timeout 5s \
  -H 'Accept-Encoding: gzip' "$URL" > "$WORK/wrk.txt" 2>&1 || true
RSS_END=$(rss_kib)
[[ "$RSS_END" -gt 0 ]] || RSS_END=$(tail -n1 "$WORK/rss.txt")

ERRORS=0
error() { echo "ERROR: $*"; ERRORS=$((ERRORS + 1)); }
requests=$(awk '/requests in/ {print $1}' "$WORK/wrk.txt")
rps=$(awk '/^Requests\/sec:/ {print $2}' "$WORK/wrk.txt")
non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$WORK/wrk.txt")
sockerr=$(sed -n 's/.*Socket errors: //p' "$WORK/wrk.txt")
pct() { awk -v p="$1" '$1 == p {print $2}' "$WORK/wrk.txt"; }
[[ -n "$requests" ]] || { error "wrk gave no result:"; cat "$WORK/wrk.txt"; }
[[ -z "$non2xx" ]] || error "$non2xx responses were not 200"
[[ -z "$sockerr" ]] || error "socket errors: $sockerr"

# A single scrape at the end: llmon still serves the exposition and its collectors' state.
final="$WORK/final.prom"
if curl -sf "$URL" -o "$final"; then
  grep -q '^llmon_collector_success' "$final" || error "the final scrape has no llmon_collector_success"
else
  rm -f "$final"
  error "the final scrape failed"
fi
RSS_MAX=$(sort -n "$WORK/rss.txt" | tail -n1)
growth=$((RSS_END - RSS_START))
if [[ -z "$SANITIZED" && $RSS_START -gt 0 ]] && kill -0 "$LLMON_PID" 2>/dev/null; then
  [[ $growth -le $MAX_RSS_GROWTH_KIB ]] || error "resident memory grew by $growth KiB"
fi

status=0
if kill -TERM "$LLMON_PID" 2>/dev/null; then
  wait "$LLMON_PID" || status=$?
  [[ $status -eq 0 ]] || error "llmon exited with status $status on SIGTERM"
else
  wait "$LLMON_PID" || status=$?
  error "llmon died during the run (exit status $status$([[ $status -gt 128 ]] && echo ", signal $((status - 128))"))"
fi
BAD=' (error|critical) \[|terminate called|Sanitizer'
crit=$(grep -cE "$BAD" "$WORK/llmon.log" || true)
[[ "$crit" -eq 0 ]] || { error "$crit error lines in llmon's log:"; grep -E "$BAD" "$WORK/llmon.log" | head -n 5; }

echo
echo "| | |"
echo "|---|---|"
echo "| duration | ${SECONDS_TOTAL} s (${WARMUP} s warm-up) |"
echo "| scrapes | ${requests:-0} (${rps:-0}/s, $CONNECTIONS connections, gzip) |"
echo "| non-200 / socket errors | ${non2xx:-0} / ${sockerr:-none} |"
echo "| latency p50 / p90 / p99 | $(pct 50%) / $(pct 90%) / $(pct 99%) |"
echo "| SIGHUPs (reloads) | $(cat "$WORK/hups" 2>/dev/null || echo 0) |"
echo "| fault changes (hostile instance) | $(cat "$WORK/faults" 2>/dev/null || echo 0) |"
echo "| RSS after warm-up / at end / max | $RSS_START / $RSS_END / $RSS_MAX KiB (growth $growth KiB${SANITIZED:+, sanitizer build: not judged}) |"
if [[ -f "$final" ]]; then
  for family in llmon_bench_runs_total llmon_ollama_up; do
    echo "| $family | $(grep "^$family{" "$final" | sed 's/^[^{]*//' | tr '\n' ' ') |"
  done
fi
echo "| log lines (warning / error) | $(grep -c ' warning \[' "$WORK/llmon.log" || true) / $crit |"
echo
if [[ $ERRORS -eq 0 ]]; then echo "soak: no errors"; else echo "soak: $ERRORS error(s)"; exit 1; fi
