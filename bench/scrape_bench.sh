#!/usr/bin/env bash
# scrape_bench.sh: what serving one scrape costs llmon, compared on the same machine with
# node_exporter and with prometheus-cpp's own Exposer (civetweb). See bench/README.md.
#
#   bench/scrape_bench.sh [--duration SECONDS] [--connections N] [--threads N]
#                         [--latency-samples N] [--llmon PATH] [--node-collectors LIST] [--pin]
#                         [--rss-limit-mib N]
#
# Every server listens on 127.0.0.1 only, and every process this script starts is stopped when
# it exits (normally, on error or on Ctrl-C).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FIXTURE_SYSFS="$REPO/tests/fixtures/sysfs/strix_halo"
FIXTURE_PROC="$REPO/tests/fixtures/proc/strix_halo"
EXPOSER_SRC="$REPO/bench/prometheus_cpp_exposer.cpp"
NODE_EXPORTER=/usr/bin/prometheus-node-exporter

DURATION=10
CONNECTIONS=4
WRK_THREADS=1
LATENCY_SAMPLES=200
RSS_LIMIT_MIB=8  # llmon's resident memory target; 0: report only
LLMON_BIN="${LLMON_BIN:-}"
NODE_COLLECTORS="meminfo,hwmon,loadavg"
PIN=0
START_TIMEOUT=15  # seconds a server gets to start answering /metrics

usage() {
  cat <<EOF
usage: $0 [options]

Starts llmon, node_exporter and prometheus-cpp's Exposer on 127.0.0.1, loads each in turn with
wrk, and prints Markdown tables: scrapes per second, server CPU time per scrape, memory,
response size, and single-scrape latency.

  --duration SECONDS      wrk run per server and encoding (default $DURATION, 1-300)
  --connections N         wrk keep-alive connections (default $CONNECTIONS, 1-256)
  --threads N             wrk threads (default $WRK_THREADS; wrk shares the CPUs with the server)
  --latency-samples N     sequential single scrapes per server and encoding (default
                          $LATENCY_SAMPLES, 1-10000)
  --llmon PATH            llmon binary (default \$LLMON_BIN, else build/llmon, built if missing)
  --node-collectors LIST  node_exporter collectors, comma-separated (default $NODE_COLLECTORS)
  --pin                   servers on CPU 0, wrk and curl on CPU 1 (taskset)
  --rss-limit-mib N       fail (exit 1) when llmon's peak or steady RSS exceeds N MiB
                          (default $RSS_LIMIT_MIB, the project's target; 0 only reports)
  -h, --help              this text
EOF
}

die() {
  echo "scrape_bench: $*" >&2
  exit 1
}

# --- arguments ---

need_value() { [[ $# -ge 2 && -n "$2" ]] || die "$1 needs a value (see --help)"; }
int_in_range() {  # int_in_range OPTION VALUE MIN MAX
  if ! [[ "$2" =~ ^[0-9]+$ ]] || (($2 < $3 || $2 > $4)); then
    die "$1 must be an integer in $3..$4"
  fi
}

while [[ $# -gt 0 ]]; do
  case "$1" in
    --duration) need_value "$@"; DURATION="$2"; shift 2 ;;
    --connections) need_value "$@"; CONNECTIONS="$2"; shift 2 ;;
    --threads) need_value "$@"; WRK_THREADS="$2"; shift 2 ;;
    --latency-samples) need_value "$@"; LATENCY_SAMPLES="$2"; shift 2 ;;
    --llmon) need_value "$@"; LLMON_BIN="$2"; shift 2 ;;
    --node-collectors) need_value "$@"; NODE_COLLECTORS="$2"; shift 2 ;;
    --pin) PIN=1; shift ;;
    --rss-limit-mib) need_value "$@"; RSS_LIMIT_MIB="$2"; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done
int_in_range --duration "$DURATION" 1 300
int_in_range --connections "$CONNECTIONS" 1 256
int_in_range --threads "$WRK_THREADS" 1 64
int_in_range --latency-samples "$LATENCY_SAMPLES" 1 10000
int_in_range --rss-limit-mib "$RSS_LIMIT_MIB" 0 1024
((WRK_THREADS <= CONNECTIONS)) || die "--threads must not exceed --connections"
[[ "$NODE_COLLECTORS" =~ ^[a-z0-9_]+(,[a-z0-9_]+)*$ ]] ||
  die "--node-collectors takes comma-separated collector names, e.g. meminfo,hwmon"

# --- the processes we start, and their clean-up ---

WORK="$(mktemp -d "${TMPDIR:-/tmp}/scrape-bench.XXXXXX")"
SERVERS=()           # names, in start order
declare -A PID=()    # name -> pid
declare -A PORT=()   # name -> port
declare -A R=()      # results: R[name|key], R[name|encoding|key]

stop_pid() {
  local pid="$1" i
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 30); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "  (pid $pid ignored SIGTERM for 3 s; killing it)" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local name
  for name in "${!PID[@]}"; do stop_pid "${PID[$name]}"; done
  PID=()
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

SERVER_CPU=()
CLIENT_CPU=()
if ((PIN)); then
  (($(nproc) >= 2)) || die "--pin needs at least 2 CPUs"
  command -v taskset >/dev/null || die "--pin needs taskset (Debian package util-linux)"
  SERVER_CPU=(taskset -c 0)
  CLIENT_CPU=(taskset -c 1)
fi

# --- prerequisites ---

ensure_packages() {
  local missing=() p sudo=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
      missing+=("$p")
  done
  ((${#missing[@]} == 0)) && return 0
  echo "installing missing Debian packages: ${missing[*]}"
  if [[ "$(id -u)" -ne 0 ]]; then
    command -v sudo >/dev/null || die "not root and no sudo: install ${missing[*]} yourself"
    sudo=(sudo)
  fi
  "${sudo[@]}" apt-get update -qq || die "apt-get update failed"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" || die "could not install ${missing[*]}"
  if [[ " ${missing[*]} " == *" prometheus-node-exporter "* ]]; then
    echo "note: on a systemd machine Debian also starts the prometheus-node-exporter service" \
      "(port 9100); this benchmark runs its own copy on a loopback port" \
      "('systemctl disable --now prometheus-node-exporter' if you do not want the service)."
  fi
}

command -v dpkg-query >/dev/null || die "this script expects Debian (dpkg-query, apt-get)"
ensure_packages wrk prometheus-node-exporter curl g++ prometheus-cpp-dev
[[ -x "$NODE_EXPORTER" ]] || die "$NODE_EXPORTER is missing (package prometheus-node-exporter)"
[[ -d "$FIXTURE_SYSFS" && -d "$FIXTURE_PROC" ]] || die "fixtures missing under $REPO/tests"

if [[ -z "$LLMON_BIN" ]]; then
  LLMON_BIN="$REPO/build/llmon"
  if [[ ! -x "$LLMON_BIN" ]]; then
    echo "no $LLMON_BIN yet: building it with 'make -C $REPO build'"
    make -C "$REPO" build >&2 || die "building llmon failed"
  fi
fi
[[ -x "$LLMON_BIN" ]] || die "llmon binary not found or not executable: $LLMON_BIN"

echo "building bench/prometheus_cpp_exposer.cpp"
EXPOSER_BIN="$WORK/prometheus_cpp_exposer"
g++ -std=c++17 -O2 -o "$EXPOSER_BIN" "$EXPOSER_SRC" \
  -lprometheus-cpp-pull -lprometheus-cpp-core -pthread ||
  die "could not build $EXPOSER_SRC against prometheus-cpp-dev"

CLK_TCK="$(getconf CLK_TCK)"
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
if awk -v l="${LOAD_BEFORE%% *}" 'BEGIN { exit !(l > 0.5) }'; then
  echo "warning: load average is $LOAD_BEFORE before starting: something else is using the" \
    "CPUs, so requests/s and latency will be lower and noisier than on an idle machine" >&2
fi

# --- measuring helpers ---

# cpu_ticks PID: utime + stime of the whole process (every thread), in clock ticks.
cpu_ticks() {
  local stat fields
  stat="$(<"/proc/$1/stat")" || die "process $1 is gone"
  # The fields after "(comm) ": state is index 0, utime (field 14) 11, stime (field 15) 12.
  read -r -a fields <<<"${stat##*) }"
  echo $((fields[11] + fields[12]))
}

# status_kb PID FIELD: the number of kB on the "FIELD:" line of /proc/PID/status.
status_kb() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }

# logged_port LOG: the port of the last "listening on 127.0.0.1:PORT" line of LOG.
logged_port() { sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$1" | tail -1; }

# socket_port PID: the TCP port PID listens on, found through its socket inodes in
# /proc/net/tcp (for a server told to listen on port 0 that does not log the port it got).
socket_port() {
  local link inodes="" hex
  for link in /proc/"$1"/fd/*; do
    link="$(readlink "$link" 2>/dev/null)" || continue
    [[ "$link" =~ ^socket:\[([0-9]+)\]$ ]] && inodes+=" ${BASH_REMATCH[1]}"
  done
  [[ -n "$inodes" ]] || return 0
  hex="$(awk -v inodes="$inodes " '
    $4 == "0A" && index(inodes, " " $10 " ") { split($2, a, ":"); print a[2]; exit }' /proc/net/tcp)"
  [[ -z "$hex" ]] || echo $((16#$hex))
}

# start_server NAME log|socket COMMAND...: starts COMMAND in the background (stderr to a log),
# learns its port (from its "listening on" log line, or from its listening socket) and waits
# until /metrics answers 200. Dies with the server's log if it exits or is not ready within
# START_TIMEOUT seconds.
start_server() {
  local name="$1" how="$2" log="$WORK/$1.log" deadline port="" code pid
  shift 2
  "${SERVER_CPU[@]}" "$@" 2>"$log" &
  pid=$!
  PID[$name]=$pid
  SERVERS+=("$name")
  deadline=$(($(date +%s) + START_TIMEOUT))
  while (($(date +%s) <= deadline)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      unset "PID[$name]"
      wait "$pid" 2>/dev/null || true
      echo "--- $name log ---" >&2
      cat "$log" >&2 || true
      die "$name exited during start-up (log above)"
    fi
    if [[ -z "$port" ]]; then
      if [[ "$how" == log ]]; then port="$(logged_port "$log")"; else port="$(socket_port "$pid")"; fi
    fi
    if [[ -n "$port" ]]; then
      code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
        "http://127.0.0.1:$port/metrics" || true)"
      if [[ "$code" == 200 ]]; then
        PORT[$name]=$port
        echo "  $name: pid $pid, http://127.0.0.1:$port/metrics"
        return 0
      fi
    fi
    sleep 0.05
  done
  echo "--- $name log ---" >&2
  cat "$log" >&2 || true
  die "$name did not answer /metrics on 127.0.0.1 within ${START_TIMEOUT}s (log above)"
}

url() { echo "http://127.0.0.1:${PORT[$1]}/metrics"; }
GZIP_HEADER=(-H 'Accept-Encoding: gzip')

# --- start every server (idle ones cost nothing measurable while another is loaded) ---

echo
echo "starting the servers"
cat >"$WORK/llmon.toml" <<EOF
[log]
level = "info"

[gpu]
backend = "sysfs"
sysfs_root = "$FIXTURE_SYSFS"

[host]
procfs_root = "$FIXTURE_PROC"
EOF
"$LLMON_BIN" check-config "$WORK/llmon.toml" >/dev/null || die "llmon rejects the bench config"
start_server llmon log "$LLMON_BIN" serve --listen 127.0.0.1:0 --config "$WORK/llmon.toml"
# The first snapshot may hold only llmon's self metrics: wait for the fixture's GPU.
for _ in $(seq 1 100); do
  curl -s --max-time 2 "$(url llmon)" >"$WORK/llmon.prom" || true
  grep -q '^llmon_gpu_' "$WORK/llmon.prom" && break
  sleep 0.1
done
grep -q '^llmon_gpu_' "$WORK/llmon.prom" || die "llmon serves no GPU metrics for the fixture"

node_args=(--web.listen-address=127.0.0.1:0 --collector.disable-defaults)
IFS=, read -r -a node_collectors <<<"$NODE_COLLECTORS"
for c in "${node_collectors[@]}"; do node_args+=("--collector.$c"); done
start_server node_exporter socket "$NODE_EXPORTER" "${node_args[@]}"

# The Exposer serves gauges mirroring llmon's exposition (same names, labels, values). civetweb
# serves one connection per worker thread for as long as it stays open, so it gets one thread
# per wrk connection. "keepalive" switches on what civetweb leaves off by default (keep-alive,
# TCP_NODELAY), so that it is measured on reused connections like the others; "default" is what
# prometheus::Exposer(address, threads) gives: one TCP connection per scrape.
start_server prometheus-cpp log "$EXPOSER_BIN" 127.0.0.1:0 "$CONNECTIONS" keepalive \
  "$WORK/llmon.prom"
start_server prometheus-cpp-close log "$EXPOSER_BIN" 127.0.0.1:0 "$CONNECTIONS" default \
  "$WORK/llmon.prom"

# --- what each one serves ---

for s in "${SERVERS[@]}"; do
  curl -sS --max-time 5 -o "$WORK/$s.prom" "$(url "$s")" || die "$s: scrape failed"
  R[$s|series]="$(grep -cv -e '^#' -e '^$' "$WORK/$s.prom" || true)"
  R[$s|plain|bytes]="$(wc -c <"$WORK/$s.prom")"
  got="$(curl -sS --max-time 5 "${GZIP_HEADER[@]}" -o /dev/null \
    -w '%{size_download} %header{content-encoding}' "$(url "$s")")" || die "$s: scrape failed"
  R[$s|gzip|bytes]="${got%% *}"
  [[ "${got#* }" == gzip ]] || R[$s|gzip|bytes]+=" (not gzipped)"
  R[$s|rss_idle]="$(status_kb "${PID[$s]}" VmRSS)"
done

# --- single scrapes, round-robin over the servers so background noise hits all alike ---

echo
echo "single-scrape latency: $LATENCY_SAMPLES rounds of one scrape per server and encoding"
for ((i = 0; i < LATENCY_SAMPLES; i++)); do
  for s in "${SERVERS[@]}"; do
    "${CLIENT_CPU[@]}" curl -sS --max-time 5 -o /dev/null -w '%{time_total}\n' "$(url "$s")" \
      >>"$WORK/$s.plain.latency" || die "$s: scrape failed during the latency run"
    "${CLIENT_CPU[@]}" curl -sS --max-time 5 "${GZIP_HEADER[@]}" -o /dev/null \
      -w '%{time_total}\n' "$(url "$s")" >>"$WORK/$s.gzip.latency" ||
      die "$s: scrape failed during the latency run"
  done
done
for s in "${SERVERS[@]}"; do
  for enc in plain gzip; do
    R[$s|$enc|lat]="$(sort -g "$WORK/$s.$enc.latency" | awk '
      { v[NR] = $1 * 1000 }
      END {
        p50 = v[int((NR + 1) * 0.50)]; p90 = v[int((NR + 1) * 0.90)]
        if (p50 == "") p50 = v[1]
        if (p90 == "") p90 = v[NR]
        printf "%.3f | %.3f | %.3f", p50, p90, v[NR]
      }')"
  done
done

# --- sustained load, one server at a time ---

for s in "${SERVERS[@]}"; do
  for enc in plain gzip; do
    hdr=()
    [[ "$enc" == gzip ]] && hdr=("${GZIP_HEADER[@]}")
    echo "load: $s ($enc): wrk -t$WRK_THREADS -c$CONNECTIONS -d${DURATION}s"
    out="$WORK/$s.$enc.wrk"
    before="$(cpu_ticks "${PID[$s]}")"
    timeout $((DURATION + 30)) "${CLIENT_CPU[@]}" wrk -t"$WRK_THREADS" -c"$CONNECTIONS" \
      -d"${DURATION}s" --timeout 5s "${hdr[@]}" "$(url "$s")" >"$out" 2>&1 ||
      { cat "$out" >&2; die "$s: wrk failed"; }
    after="$(cpu_ticks "${PID[$s]}")"
    requests="$(awk '$2 == "requests" && $3 == "in" { print $1 }' "$out")"
    [[ "$requests" =~ ^[0-9]+$ && "$requests" -gt 0 ]] ||
      { cat "$out" >&2; die "$s: wrk completed no request"; }
    R[$s|$enc|requests]="$requests"
    R[$s|$enc|rps]="$(awk '$1 == "Requests/sec:" { printf "%.0f", $2 }' "$out")"
    R[$s|$enc|cpu_us]="$(awk -v t=$((after - before)) -v hz="$CLK_TCK" -v n="$requests" \
      'BEGIN { printf "%.1f", t * 1e6 / hz / n }')"
    R[$s|$enc|cpu_pct]="$(awk -v t=$((after - before)) -v hz="$CLK_TCK" -v d="$DURATION" \
      'BEGIN { printf "%.0f", 100 * t / hz / d }')"
    R[$s|$enc|hwm]="$(status_kb "${PID[$s]}" VmHWM)"
    R[$s|$enc|rss]="$(status_kb "${PID[$s]}" VmRSS)"
    # A server that closes every connection shows up in wrk as read errors (one per request);
    # anything else, and any non-2xx answer, is worth a look.
    errors="$(grep -e 'Non-2xx' -e 'Socket errors' "$out" | tr -s ' ' || true)"
    if [[ -n "$errors" && "$s" != prometheus-cpp-close ]]; then
      echo "  warning: $s ($enc): $errors" >&2
      R[$s|$enc|rps]+=" (errors)"
    fi
  done
done
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"

# --- llmon's memory once the load is over: steady RSS (the highest of 3 s of samples at
# idle), peak RSS (VmHWM over the whole run) and what the resident pages are ---
LLMON_PID="${PID[llmon]}"
steady_kb=0
for _ in $(seq 1 7); do
  kb="$(status_kb "$LLMON_PID" VmRSS)"
  ((kb > steady_kb)) && steady_kb=$kb
  sleep 0.5
done
peak_kb="$(status_kb "$LLMON_PID" VmHWM)"
private_kb="$(awk '$1 == "Anonymous:" { print $2 }' "/proc/$LLMON_PID/smaps_rollup")"
# Rss per mapped file (anonymous memory together), largest first.
awk -v exe="$(readlink "/proc/$LLMON_PID/exe")" '
  /^[0-9a-f]+-[0-9a-f]+ / { name = ($6 == "" || $6 ~ /^\[(heap|stack)\]$/) ? "anonymous (heap, arena, stacks)" : $6
                            if (name == exe) name = "the llmon binary"
                            sub(/.*\//, "", name); next }
  /^Rss:/ { rss[name] += $2 }
  END { for (n in rss) if (rss[n] > 0) printf "%d %s\n", rss[n], n }' "/proc/$LLMON_PID/smaps" |
  sort -rn >"$WORK/llmon.smaps"
for s in "${SERVERS[@]}"; do stop_pid "${PID[$s]}"; unset "PID[$s]"; done

# --- report ---

mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
times_llmon() {
  awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f×", a / b; else print "-" }'
}
cpu_model="$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"

echo
echo "## Scrape cost under load"
echo
echo "wrk -t$WRK_THREADS -c$CONNECTIONS -d${DURATION}s per row, 127.0.0.1, keep-alive" \
  "(prometheus-cpp-close: a new connection per scrape); $(nproc) CPUs (${cpu_model:-unknown})" \
  "$( ((PIN)) && echo "with the server on CPU 0 and wrk on CPU 1" ||
    echo "shared by wrk and the server"); load average $LOAD_BEFORE before, $LOAD_AFTER after."
echo
echo "| server | encoding | series | response bytes | requests/s | server CPU µs/scrape" \
  "| CPU/scrape vs llmon | server CPU % | peak RSS MiB | RSS after MiB |"
echo "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|"
for s in "${SERVERS[@]}"; do
  for enc in plain gzip; do
    echo "| $s | $enc | ${R[$s|series]} | ${R[$s|$enc|bytes]} | ${R[$s|$enc|rps]}" \
      "| ${R[$s|$enc|cpu_us]} | $(times_llmon "${R[$s|$enc|cpu_us]}" "${R[llmon|$enc|cpu_us]}")" \
      "| ${R[$s|$enc|cpu_pct]} | $(mib "${R[$s|$enc|hwm]}") | $(mib "${R[$s|$enc|rss]}") |"
  done
done
echo
echo "## Single scrape latency"
echo
echo "$LATENCY_SAMPLES scrapes per row, one at a time, each a new curl process and TCP" \
  "connection, servers taken in turn (curl's time_total, milliseconds)."
echo
echo "| server | encoding | p50 ms | p90 ms | max ms |"
echo "|---|---|--:|--:|--:|"
for s in "${SERVERS[@]}"; do
  for enc in plain gzip; do echo "| $s | $enc | ${R[$s|$enc|lat]} |"; done
done
echo
idle=""
for s in "${SERVERS[@]}"; do idle+="${idle:+, }$s $(mib "${R[$s|rss_idle]}")"; done
echo "RSS before any load (MiB): $idle."
echo "node_exporter collectors: $NODE_COLLECTORS. Versions: $("$LLMON_BIN" --version 2>&1 |
  head -1); node_exporter $(dpkg-query -W -f='${Version}' prometheus-node-exporter);" \
  "prometheus-cpp $(dpkg-query -W -f='${Version}' prometheus-cpp-dev);" \
  "wrk $(dpkg-query -W -f='${Version}' wrk); CLK_TCK $CLK_TCK."
echo
echo "## llmon resident memory"
echo
echo "Steady $(mib "$steady_kb") MiB (VmRSS, highest of 3 s at idle after the load), peak" \
  "$(mib "$peak_kb") MiB (VmHWM), of which $(mib "$private_kb") MiB private (Anonymous; the rest" \
  "is file pages of the binary and its shared libraries, shared with other processes)."
echo
echo "| mapping | RSS KiB |"
echo "|---|--:|"
awk '{ printf "| %s | %d |\n", substr($0, index($0, " ") + 1), $1 }' "$WORK/llmon.smaps"
if ((RSS_LIMIT_MIB > 0)); then
  echo
  if ((steady_kb > RSS_LIMIT_MIB * 1024 || peak_kb > RSS_LIMIT_MIB * 1024)); then
    echo "FAIL: llmon's resident memory exceeds the target of $RSS_LIMIT_MIB MiB" \
      "(steady $(mib "$steady_kb"), peak $(mib "$peak_kb") MiB)."
    exit 1
  fi
  echo "OK: llmon stays within the target of $RSS_LIMIT_MIB MiB resident (steady" \
    "$(mib "$steady_kb"), peak $(mib "$peak_kb") MiB)."
fi
