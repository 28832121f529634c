#!/usr/bin/env bash
# `llmon serve` on built-in defaults on a box without GPU or ROCm: self metrics, no GPU, no errors.
source "$(dirname "$0")/lib.sh"

mkdir -p "$WORK/empty_sys/class/drm"
# Built-in defaults except where the test machine must not leak in: an empty sysfs (this box may
# have a GPU) and the real /proc.
cat > "$WORK/nogpu.toml" <<TOML
[gpu]
sysfs_root = "$WORK/empty_sys"
$NO_OLLAMA
TOML
start_llmon --config "$WORK/nogpu.toml"
check "GPU count is 0 with backend none" wait_metrics '^llmon_gpu_devices\{backend="none"\} 0$'
check "every collector succeeds" wait_metrics '^llmon_collector_success\{collector="host"\} 1$'
scrape > "$WORK/m.prom"
for metric in llmon_build_info llmon_collector_success llmon_collector_duration_seconds \
  llmon_collector_last_success_timestamp_seconds llmon_config_last_reload_successful \
  llmon_config_last_reload_success_timestamp_seconds process_resident_memory_bytes \
  process_virtual_memory_bytes process_cpu_seconds_total process_start_time_seconds \
  process_open_fds process_max_fds llmon_host_memory_total_bytes; do
  check "self metric $metric present" grep -q "^$metric" "$WORK/m.prom"
done
check "no collector failed" bash -c "! grep -q '^llmon_collector_success.* 0$' '$WORK/m.prom'"
check "promtool check metrics is clean" promtool_clean "$WORK/m.prom"
check "the landing page links to /metrics" \
  bash -c "curl -sS '$(url /)' | grep -q 'href=\"/metrics\"'"
check "/healthz answers 200" \
  bash -c "[[ \$(curl -s -o /dev/null -w '%{http_code}' '$(url /healthz)') == 200 ]]"
check "an unknown path answers 404" \
  bash -c "[[ \$(curl -s -o /dev/null -w '%{http_code}' '$(url /nope)') == 404 ]]"
check "Ollama being absent is reported as llmon_ollama_up 0" \
  grep -q '^llmon_ollama_up{ollama="absent"} 0$' "$WORK/m.prom"
check "no warnings or errors were logged but Ollama's absence (once)" \
  bash -c "[[ \$(grep -E ' (warning|error) ' '$LLMON_LOG' | grep -vc 'ollama/absent: Ollama at http://127.0.0.1:9 is down or unhealthy') == 0 && \$(grep -c 'ollama/absent' '$LLMON_LOG') == 1 ]]"
stop_llmon TERM
check "SIGTERM exits 0 within 2 s (took ${STOP_MS} ms)" test "$STOP_STATUS" -eq 0 -a "$STOP_MS" -lt 2000
finish
