# Shared helpers for the end-to-end tests: start the real binary, scrape it over HTTP, assert.
# Sourced by test_*.sh; ctest sets LLMON_BIN, LLMON_SOURCE_DIR and LLMON_FAKE_ROCM_SMI{,_V6}.
set -euo pipefail

: "${LLMON_BIN:?set by ctest}"
: "${LLMON_SOURCE_DIR:?set by ctest}"
FIXTURES="$LLMON_SOURCE_DIR/tests/fixtures"
GOLDEN="$LLMON_SOURCE_DIR/tests/golden"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/llmon-e2e.XXXXXX")"
LLMON_PID=""
LLMON_PORT=""
LLMON_LOG="$WORK/llmon.log"
FAILURES=0

FAKE_PIDS=()

cleanup() {
  if [[ -n "$LLMON_PID" ]] && kill -0 "$LLMON_PID" 2>/dev/null; then
    kill -KILL "$LLMON_PID" 2>/dev/null || true
  fi
  for pid in "${FAKE_PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  [[ -n "${KEEP_WORK:-}" ]] || rm -rf "$WORK"  # KEEP_WORK=1 keeps it for a look afterwards
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  FAILURES=$((FAILURES + 1))
}
pass() { echo "ok: $*"; }

check() {  # check "description" command...
  local what="$1"
  shift
  if "$@"; then pass "$what"; else fail "$what"; fi
}

# A resident-memory bound says nothing in a sanitizer build (shadow memory, ASan's quarantine of
# freed blocks): there LeakSanitizer stands in, and the normal build runs the same check.
check_memory() {  # check_memory "description" command...
  if [[ -n "${LLMON_SANITIZE:-}" ]]; then
    echo "not measured under -fsanitize=$LLMON_SANITIZE: $1"
    return 0
  fi
  check "$@"
}

finish() {
  if [[ "$FAILURES" -ne 0 ]]; then
    echo "--- llmon log ---" >&2
    cat "$LLMON_LOG" >&2 2>/dev/null || true
    echo "$FAILURES check(s) failed" >&2
    exit 1
  fi
  echo "all checks passed"
}

# An [[ollama]] table for an address where nothing listens (TCP port 9, "discard"), so output
# never depends on an Ollama running on the test machine (nor on its ollama.service).
NO_OLLAMA='[[ollama]]
name = "absent"
url = "http://127.0.0.1:9"
process = ""
unit = ""'

# start_llmon [serve options...]: starts `llmon serve --listen 127.0.0.1:0 ...` and waits for the
# port it bound (from its log line), so tests never race for a fixed port.
start_llmon() {
  : > "$LLMON_LOG"
  "$LLMON_BIN" serve --listen 127.0.0.1:0 "$@" 2>"$LLMON_LOG" &
  LLMON_PID=$!
  local i
  for i in $(seq 1 200); do
    LLMON_PORT="$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$LLMON_LOG" | tail -1)"
    [[ -n "$LLMON_PORT" ]] && return 0
    kill -0 "$LLMON_PID" 2>/dev/null || break
    sleep 0.05
  done
  echo "llmon did not start:" >&2
  cat "$LLMON_LOG" >&2
  exit 1
}

# stop_llmon SIGNAL: sends it, waits; sets STOP_STATUS (exit code) and STOP_MS (time to exit).
stop_llmon() {
  local sig="${1:-TERM}" start
  start=$(date +%s%N)
  STOP_STATUS=0
  kill "-$sig" "$LLMON_PID"
  wait "$LLMON_PID" || STOP_STATUS=$?
  STOP_MS=$((($(date +%s%N) - start) / 1000000))
  LLMON_PID=""
}

url() { echo "http://127.0.0.1:$LLMON_PORT$1"; }
scrape() { curl -sS --max-time 5 "$(url /metrics)"; }

# wait_metrics REGEX [seconds]: polls /metrics until a line matches (never sleeps blindly).
wait_metrics() {
  local pattern="$1" limit="${2:-10}" deadline
  deadline=$(($(date +%s) + limit))
  while (($(date +%s) <= deadline)); do
    # Not grep -q: with pipefail, a grep that stops at the first match can make curl fail
    # writing the rest (curl: (23)), and the pipeline with it.
    if scrape 2>/dev/null | grep -E -- "$pattern" > /dev/null; then return 0; fi
    sleep 0.1
  done
  echo "timed out waiting for /metrics to match: $pattern" >&2
  return 1
}

# promtool_clean FILE: promtool's lint must print nothing and exit 0.
promtool_clean() {
  local out
  out="$(promtool check metrics < "$1" 2>&1)" || { echo "$out" >&2; return 1; }
  [[ -z "$out" ]] || { echo "$out" >&2; return 1; }
}

# mask: removes what changes between runs (process metrics, durations, timestamps, integrated
# counters, the git revision) so the rest can be compared with a golden file.
mask() {
  sed -E \
    -e '/^(# (HELP|TYPE) )?process_/d' \
    -e 's/^(llmon_collector_duration_seconds\{[^}]*\}) .*/\1 <duration>/' \
    -e 's/^(llmon_[a-z_]*timestamp_seconds(\{[^}]*\})?) .*/\1 <timestamp>/' \
    -e 's/^(llmon_gpu_(busy_seconds|energy_joules)_total\{[^}]*\}) .*/\1 <integrated>/' \
    -e 's/revision="[^"]*"/revision="<revision>"/'
}

# compare_golden NAME FILE: compares masked FILE with tests/golden/NAME.prom;
# UPDATE_GOLDEN=1 rewrites the golden file instead.
compare_golden() {
  local name="$1" file="$2" golden="$GOLDEN/$1.prom"
  mask < "$file" > "$WORK/$name.masked"
  if [[ "${UPDATE_GOLDEN:-}" == 1 ]]; then
    cp "$WORK/$name.masked" "$golden"
    echo "rewrote $golden"
    return 0
  fi
  if ! diff -u "$golden" "$WORK/$name.masked" >&2; then
    echo "(run with UPDATE_GOLDEN=1 to accept the new output)" >&2
    return 1
  fi
}

# start_fake NAME SCENARIO [PORT]: starts tests/support/fake_ollama; sets FAKE_PORT_<NAME> and
# FAKE_PID_<NAME>. PORT 0 (default) lets the kernel choose.
start_fake() {
  local name="$1" scenario="$2" port="${3:-0}" log="$WORK/fake_$1.log" pid found=""
  : "${LLMON_FAKE_OLLAMA:?set by ctest}"
  : > "$log"  # exists before the poll below reads it (the child creates it only once it runs)
  "$LLMON_FAKE_OLLAMA" --scenario "$scenario" --listen "127.0.0.1:$port" 2>"$log" &
  pid=$!
  FAKE_PIDS+=("$pid")
  for _ in $(seq 1 200); do
    found="$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$log" | tail -1)"
    [[ -n "$found" ]] && break
    sleep 0.05
  done
  [[ -n "$found" ]] || { echo "fake_ollama $name did not start: $(cat "$log")" >&2; exit 1; }
  printf -v "FAKE_PORT_$name" '%s' "$found"
  printf -v "FAKE_PID_$name" '%s' "$pid"
}

stop_fake() {  # stop_fake NAME
  local var="FAKE_PID_$1"
  kill -TERM "${!var}" 2>/dev/null || true
  wait "${!var}" 2>/dev/null || true
}

# fake_post NAME PATH BODY [CONTENT-TYPE]: a control request to a fake instance.
fake_post() {
  local var="FAKE_PORT_$1"
  curl -sS --max-time 5 -X POST -H "Content-Type: ${4:-application/json}" \
    --data-binary "$3" "http://127.0.0.1:${!var}$2"
}
fake_get() {
  local var="FAKE_PORT_$1"
  curl -sS --max-time 5 "http://127.0.0.1:${!var}$2"
}

# free_port: a TCP port nothing listens on, for a peer that cannot be told to use port 0 and
# report it (Prometheus). Taken below the kernel's ephemeral range: tests holding many client
# connections use ports in that range, which a probe by connecting cannot see.
free_port() {
  local low p
  read -r low _ < /proc/sys/net/ipv4/ip_local_port_range
  ((low > 11000)) || low=32768
  for _ in $(seq 1 50); do
    p=$((10000 + RANDOM % (low - 10000)))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
  return 1
}

# metric_value REGEX: the value of the first /metrics line matching REGEX (empty if none).
metric_value() { scrape | grep -E -- "$1" | head -1 | awk '{print $NF}'; }
