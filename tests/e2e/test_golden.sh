#!/usr/bin/env bash
# Each fixture box served for real and compared with its golden exposition
# (tests/golden/<fixture>.prom; UPDATE_GOLDEN=1 rewrites them).
source "$(dirname "$0")/lib.sh"

for box in strix_halo dual_discrete broken; do
  cat > "$WORK/$box.toml" <<TOML
[gpu]
backend = "sysfs"
sysfs_root = "$FIXTURES/sysfs/$box"
sample_interval = "100ms"
[host]
procfs_root = "$FIXTURES/proc/$box"
[tuning]
interval = "100ms"
$NO_OLLAMA
TOML
  start_llmon --config "$WORK/$box.toml"
  # Every collector has run once and the sampler twice (its counters then exist).
  wait_metrics '^llmon_collector_success\{collector="gpu_sampler"\} 1$' >/dev/null || true
  wait_metrics '^llmon_collector_success\{collector="host"\} [01]$' >/dev/null || true
  wait_metrics '^llmon_collector_success\{collector="gpu"\} [01]$' >/dev/null || true
  wait_metrics '^llmon_collector_success\{collector="process"\} 1$' >/dev/null || true
  # The tuning checks judge the GPUs once the GPU collector has read them.
  [[ "$box" == broken ]] || wait_metrics 'check="performance_level"' >/dev/null || true
  scrape > "$WORK/$box.prom"
  check "$box: promtool check metrics is clean" promtool_clean "$WORK/$box.prom"
  check "$box: output matches tests/golden/$box.prom" compare_golden "$box" "$WORK/$box.prom"
  curl -sS -H 'Accept-Encoding: gzip' "$(url /metrics)" | gunzip -c > "$WORK/$box.gz.prom"
  check "$box: the gzip body carries the same metrics" \
    diff -q <(mask < "$WORK/$box.prom") <(mask < "$WORK/$box.gz.prom")
  stop_llmon TERM
done
finish
