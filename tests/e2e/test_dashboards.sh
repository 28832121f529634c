#!/usr/bin/env bash
# Every dashboard panel shows data: `make demo`'s set-up (two fake Ollama instances, the Strix
# Halo GPU fixture, benchmarks, here every second) on the drifted tuning fixture box
# (tests/fixtures/boxes: its procfs, unit files and kernel parameters, so the tuning panels
# have data) scraped by a real Prometheus every second
# with llmon's rules loaded; then every panel query of grafana/dashboards/*.json, variables
# substituted as Grafana does, must return data (tests/support/dashboards/run_queries.py),
# except the panels listed with their reason in tests/support/dashboards/conditional_panels.txt.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_prometheus.sh"
source "$(dirname "$0")/lib_boxes.sh"

command -v prometheus >/dev/null || { fail "prometheus is not installed (make deps)"; finish; }
PYTHON3="$(command -v /usr/bin/python3 || command -v python3)" ||
  { fail "python3 is not installed (make deps)"; finish; }
SUPPORT="$LLMON_SOURCE_DIR/tests/support/dashboards"
STARTED=$(date +%s)

start_fake main "$FIXTURES/ollama/strix_halo.toml"
start_fake second "$FIXTURES/ollama/second_instance.toml"
BOX="$WORK/box"
assemble_box strix_halo_drifted "$BOX" "$FAKE_PORT_main" "$FAKE_PORT_second"

# A box that has run benchmarks before: baselines for the model that answers correctly, so the
# regression ratio appears after the first cycle instead of the second.
mkdir -p "$WORK/state"
{
  printf '{"version": 1, "baselines": ['
  sep=""
  for p in binary_search simple_function complex_algorithm bug_fix refactoring documentation; do
    printf '%s{"ollama": "main", "model": "qwen3-coder:30b-a3b-q8_0", "prompt": "%s", "values": [48.5, 47.9, 49.0]}' "$sep" "$p"
    sep=", "
  done
  printf ']}\n'
} > "$WORK/state/bench_baseline.json"

cat > "$WORK/llmon.toml" <<TOML
[gpu]
backend = "sysfs"
sysfs_root = "$BOX/sys"
interval = "1s"
sample_interval = "200ms"
[host]
procfs_root = "$BOX/proc"
[tuning]
interval = "1s"
unit_dirs = ["$BOX/root/etc/systemd/system"]
root = "$BOX/root"
dbus_address = ""
[[ollama]]
name = "main"
url = "127.0.0.1:$FAKE_PORT_main"
interval = "1s"
[[ollama]]
name = "second"
url = "127.0.0.1:$FAKE_PORT_second"
interval = "1s"
unit = ""
[bench]
enabled = true
interval = "1s"
jitter = "0s"
state_dir = "$WORK/state"
concurrency = 2
TOML
start_llmon --config "$WORK/llmon.toml"

cat > "$WORK/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files: ["$LLMON_SOURCE_DIR/prometheus/llmon.rules.yml"]
scrape_configs:
  - job_name: llmon
    static_configs:
      - targets: ["127.0.0.1:$LLMON_PORT"]
YAML
start_prometheus demo "$WORK/prometheus.yml"

check "every panel query returns data (conditional panels excepted)" \
  "$PYTHON3" "$SUPPORT/run_queries.py" --prometheus "$(prom_url demo)" --timeout 60 \
  "$LLMON_SOURCE_DIR"/grafana/dashboards/*.json
errors="$(prometheus_rule_errors demo)"
check "every rule evaluated without error on the demo data" test -z "$errors"
[[ -z "$errors" ]] || echo "$errors" >&2
echo "took $(($(date +%s) - STARTED)) s"
finish
