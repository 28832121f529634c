# A real Prometheus for the end-to-end tests (test_alerts.sh, test_dashboards.sh): sourced after
# lib.sh. start_prometheus NAME CONFIG starts one on a free port (lib.sh's free_port), sets
# PROM_PORT_<NAME>.
PROM_PIDS=()

# SIGTERM, then SIGKILL after 15 s: a Prometheus slow to close its TSDB on a loaded machine
# must not hold the test until ctest's timeout.
stop_prometheus_all() {
  local pid i
  for pid in "${PROM_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PROM_PIDS[@]}"; do
    for i in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  PROM_PIDS=()
}
trap 'stop_prometheus_all; cleanup' EXIT

start_prometheus() {  # start_prometheus NAME CONFIG
  local name="$1" config="$2" port
  port="$(free_port)"
  prometheus --config.file="$config" --storage.tsdb.path="$WORK/tsdb_$name" \
    --web.listen-address="127.0.0.1:$port" >"$WORK/prometheus_$name.log" 2>&1 &
  PROM_PIDS+=("$!")
  printf -v "PROM_PORT_$name" '%s' "$port"
  local i
  for i in $(seq 1 100); do
    curl -sf --max-time 1 "http://127.0.0.1:$port/-/ready" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "prometheus $name did not become ready:" >&2
  cat "$WORK/prometheus_$name.log" >&2
  exit 1
}

prom_url() { local var="PROM_PORT_$1"; echo "http://127.0.0.1:${!var}"; }

# prom_query NAME PROMQL: the JSON answer of an instant query.
prom_query() {
  curl -sS --max-time 2 -G "$(prom_url "$1")/api/v1/query" --data-urlencode "query=$2"
}
# prom_wait_query NAME PROMQL EXPECTED-SUBSTRING [SECONDS]: polls until the answer contains it.
prom_wait_query() {
  local deadline=$(($(date +%s) + ${4:-30}))
  while (($(date +%s) <= deadline)); do
    if prom_query "$1" "$2" 2>/dev/null | grep -F -- "$3" > /dev/null; then return 0; fi  # not -q: see wait_metrics
    sleep 0.25
  done
  echo "last answer for $2: $(prom_query "$1" "$2" 2>&1)" >&2
  tail -5 "$WORK/prometheus_$1.log" >&2
  return 1
}

# prometheus_rule_errors NAME: the log lines of rule evaluations that failed (empty when none).
prometheus_rule_errors() {
  grep -iE 'level=(warn|error).*(rule|eval)' "$WORK/prometheus_$1.log" || true
}
