#!/usr/bin/env bash
# `make demo`: llmon with every metric populated, without a GPU or Ollama. Two fake Ollama
# instances (a Strix Halo-like set of models, one partly offloaded; a second small instance) and
# the drifted Strix Halo fixture box (tests/fixtures/boxes: its sysfs, procfs, Ollama unit
# files and kernel parameters, so every tuning check has something to say) stand in for the
# real thing. Ctrl-C stops everything.
set -euo pipefail

BUILD_DIR="${BUILD_DIR:-build}"
LISTEN="${DEMO_LISTEN:-127.0.0.1:9877}"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
LLMON="$BUILD_DIR/llmon"
FAKE="$BUILD_DIR/tests/support/fake_ollama/fake_ollama"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/llmon-demo.XXXXXX")"
PIDS=()

cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 0' INT TERM

start_fake() {  # start_fake NAME SCENARIO: sets PORT_<NAME>
  local port=""
  : > "$WORK/$1.log"  # exists before the poll reads it: the child creates it only once it runs
  "$FAKE" --scenario "$2" --listen 127.0.0.1:0 >/dev/null 2>"$WORK/$1.log" &
  PIDS+=("$!")
  for _ in $(seq 1 400); do  # 20 s: slow in a sanitizer build on a busy machine
    port="$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$WORK/$1.log")"
    if [[ -n "$port" ]]; then
      printf -v "PORT_$1" '%s' "$port"
      return
    fi
    sleep 0.05
  done
  echo "fake Ollama $1 did not start: $(cat "$WORK/$1.log")" >&2
  exit 1
}

[[ -x "$LLMON" && -x "$FAKE" ]] || { echo "build first: make build" >&2; exit 1; }
start_fake main "$ROOT/tests/fixtures/ollama/strix_halo.toml"
start_fake second "$ROOT/tests/fixtures/ollama/second_instance.toml"
main_port="$PORT_main"
second_port="$PORT_second"
FIXTURES="$ROOT/tests/fixtures"
source "$ROOT/tests/e2e/lib_boxes.sh"
BOX="$WORK/box"
assemble_box strix_halo_drifted "$BOX" "$main_port" "$second_port"
mkdir -p "$WORK/state"  # as the systemd unit's StateDirectory= does: llmon never creates it
cat > "$WORK/llmon.toml" <<TOML
[web]
listen = "$LISTEN"
[gpu]
backend = "sysfs"
sysfs_root = "$BOX/sys"
[host]
procfs_root = "$BOX/proc"
[tuning]
unit_dirs = ["$BOX/root/etc/systemd/system"]
root = "$BOX/root"
dbus_address = ""
[[ollama]]
name = "main"
url = "127.0.0.1:$main_port"
[[ollama]]
name = "second"
url = "127.0.0.1:$second_port"
unit = ""
[bench]
enabled = true
interval = "2m"
jitter = "10s"
state_dir = "$WORK/state"
concurrency = 2
TOML

cat <<INFO
llmon demo: fake Ollama "main" on 127.0.0.1:$main_port (Strix Halo models, one partly on the
CPU, one pinned), "second" on 127.0.0.1:$second_port, on the drifted Strix Halo fixture box
(every tuning check drifts: $LLMON doctor --config $WORK/llmon.toml), benchmarks
every ~2 minutes (the first cycle starts at once and takes about a minute). The fixture's GPU
reads a constant 37 % busy and 31.5 W (48.123 W for the whole package), so joules per token is
31.5 W x run time / tokens.

  curl -s http://$LISTEN/metrics | grep -E '^llmon_(gpu|ollama)_'
  curl -s http://$LISTEN/metrics | grep '^llmon_bench_last_eval_tokens_per_second'
  $LLMON bench --config $WORK/llmon.toml --ollama 127.0.0.1:$main_port

Ctrl-C stops llmon and the fakes.
INFO
"$LLMON" serve --config "$WORK/llmon.toml" &
PIDS+=("$!")
wait "${PIDS[-1]}"
