#!/usr/bin/env bash
# A real Prometheus server scrapes llmon (plain and gzip, keep-alive) and stores its series.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_prometheus.sh"

command -v prometheus >/dev/null || { fail "prometheus is not installed (make deps)"; finish; }

cat > "$WORK/llmon.toml" <<TOML
[gpu]
backend = "sysfs"
sysfs_root = "$FIXTURES/sysfs/strix_halo"
sample_interval = "200ms"
[host]
procfs_root = "$FIXTURES/proc/strix_halo"
$NO_OLLAMA
TOML
start_llmon --config "$WORK/llmon.toml"

cat > "$WORK/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: llmon
    static_configs:
      - targets: ["127.0.0.1:$LLMON_PORT"]
YAML
start_prometheus main "$WORK/prometheus.yml"

wait_query() { prom_wait_query main "$@"; }

check "Prometheus scrapes llmon successfully (up == 1)" wait_query 'up{job="llmon"}' '"1"]'
check "GPU series arrive in Prometheus" \
  wait_query 'llmon_gpu_memory_total_bytes{pool="gtt"}' '"120259084288"]'
check "the integrated busy counter rates to the fixture's busy ratio" \
  wait_query 'round(rate(llmon_gpu_busy_seconds_total[5s]), 0.01)' '"0.37"]'
check "every sample of the scrape was kept" \
  wait_query 'scrape_samples_scraped{job="llmon"} > 30 and scrape_samples_post_metric_relabeling{job="llmon"} == scrape_samples_scraped{job="llmon"}' '"result":[{'
stop_prometheus_all
stop_llmon TERM
check "Prometheus logged no scrape errors" bash -c "! grep -qi 'err=\\|level=error' '$WORK/prometheus_main.log'"
finish
