#!/usr/bin/env bash
# SIGHUP reloads (a broken file keeps the old configuration running), SIGTERM/SIGINT stop cleanly.
source "$(dirname "$0")/lib.sh"

good() {
  cat > "$WORK/llmon.toml" <<TOML
[gpu]
backend = "sysfs"
sysfs_root = "$FIXTURES/sysfs/strix_halo"
[host]
procfs_root = "$FIXTURES/proc/$1"
$NO_OLLAMA
TOML
}
good strix_halo
start_llmon --config "$WORK/llmon.toml"
check "serving the fixture" wait_metrics '^llmon_host_memory_total_bytes 131072000000$'
check "start-up load counts as a successful reload" \
  wait_metrics '^llmon_config_last_reload_successful 1$'

printf '[gpu]\nbackend = "cuda"\n' > "$WORK/llmon.toml"
kill -HUP "$LLMON_PID"
check "a broken config on SIGHUP sets llmon_config_last_reload_successful 0" \
  wait_metrics '^llmon_config_last_reload_successful 0$'
check "the reload error is logged with its location" \
  bash -c "grep -q 'llmon.toml:2:11: gpu.backend' '$LLMON_LOG'"
check "the old configuration keeps serving" \
  bash -c "curl -sS '$(url /metrics)' | grep -q '^llmon_host_memory_total_bytes 131072000000$'"
check "still serving GPU metrics from the old configuration" \
  bash -c "curl -sS '$(url /metrics)' | grep -q '^llmon_gpu_devices{backend=\"sysfs\"} 1$'"

good dual_discrete
kill -HUP "$LLMON_PID"
check "a fixed config on SIGHUP is applied" wait_metrics '^llmon_host_memory_total_bytes 67108864000$'
check "and llmon_config_last_reload_successful returns to 1" \
  wait_metrics '^llmon_config_last_reload_successful 1$'

# A slow client holds a connection open: shutdown must not wait for it beyond the grace period.
exec 3<>"/dev/tcp/127.0.0.1/$LLMON_PORT"
printf 'GET /metrics HTTP/1.1\r\nHost: x\r\n' >&3
stop_llmon TERM
exec 3>&-
check "SIGTERM exits 0 within 2 s even with an idle client (took ${STOP_MS} ms)" \
  test "$STOP_STATUS" -eq 0 -a "$STOP_MS" -lt 2000

start_llmon --config "$WORK/llmon.toml"
wait_metrics '^llmon_config_last_reload_successful 1$' >/dev/null
stop_llmon INT
check "SIGINT exits 0 within 2 s (took ${STOP_MS} ms)" test "$STOP_STATUS" -eq 0 -a "$STOP_MS" -lt 2000
finish
