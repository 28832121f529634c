#!/usr/bin/env bash
# The rocm_smi backend through the fake librocm_smi64 of the 6.x generation: the same box as the
# strix_halo sysfs fixture, and a library whose init fails.
source "$(dirname "$0")/lib.sh"
: "${LLMON_FAKE_ROCM_SMI_V6:?set by ctest}"

write_config() {
  cat > "$WORK/llmon.toml" <<TOML
[gpu]
backend = "$1"
rocm_smi_library = "$LLMON_FAKE_ROCM_SMI_V6"
sysfs_root = "$FIXTURES/sysfs/strix_halo"
sample_interval = "100ms"
interval = "200ms"
[host]
procfs_root = "$FIXTURES/proc/strix_halo"
[tuning]
interval = "100ms"
$NO_OLLAMA
TOML
}

export FAKE_ROCM_SMI_SCRIPT="$FIXTURES/rocm_smi/strix_halo.script"
write_config rocm_smi
start_llmon --config "$WORK/llmon.toml"
wait_metrics '^llmon_collector_success\{collector="gpu_sampler"\} 1$' >/dev/null
wait_metrics '^llmon_collector_success\{collector="process"\} 1$' >/dev/null
wait_metrics 'check="performance_level"' >/dev/null
scrape > "$WORK/rocm.prom"
check "rocm_smi: promtool check metrics is clean" promtool_clean "$WORK/rocm.prom"
check "rocm_smi: output matches tests/golden/rocm_smi_strix_halo.prom" \
  compare_golden rocm_smi_strix_halo "$WORK/rocm.prom"
check "rocm_smi: card and gfx target come from sysfs" \
  grep -q 'card="card1".*gfx_target="gfx1151"' "$WORK/rocm.prom"
check "rocm_smi: NOT_SUPPORTED sensors are absent, not 0" \
  bash -c "! grep -q 'sensor=\"junction\"\|llmon_gpu_fan' '$WORK/rocm.prom'"
stop_llmon TERM

# The same box read by both backends gives the same GPU values.
grep '^llmon_gpu_' "$WORK/rocm.prom" | grep -v -e _total -e llmon_gpu_info -e llmon_gpu_devices \
  | sort > "$WORK/rocm.values"
export FAKE_ROCM_SMI_SCRIPT="$WORK/none.script"
printf 'devices 0\n' > "$FAKE_ROCM_SMI_SCRIPT"
write_config sysfs
start_llmon --config "$WORK/llmon.toml"
wait_metrics '^llmon_collector_success\{collector="gpu"\} 1$' >/dev/null
scrape | grep '^llmon_gpu_' | grep -v -e _total -e llmon_gpu_info -e llmon_gpu_devices \
  | sort > "$WORK/sysfs.values"
stop_llmon TERM
check "rocm_smi and sysfs report the same values for the same box" \
  diff -u "$WORK/sysfs.values" "$WORK/rocm.values"

# auto with a library that initialises but sees no GPU: sysfs is used.
write_config auto
start_llmon --config "$WORK/llmon.toml"
check "auto: rocm_smi with 0 GPUs falls back to sysfs" \
  wait_metrics '^llmon_gpu_devices\{backend="sysfs"\} 1$'
stop_llmon TERM

# auto with the Strix Halo script: rocm_smi is chosen.
export FAKE_ROCM_SMI_SCRIPT="$FIXTURES/rocm_smi/strix_halo.script"
start_llmon --config "$WORK/llmon.toml"
check "auto: rocm_smi with a GPU is preferred" \
  wait_metrics '^llmon_gpu_devices\{backend="rocm_smi"\} 1$'
stop_llmon TERM

# Explicit rocm_smi whose init fails: the collector fails, is retried with backoff, and the
# failure is logged once, not on every retry.
export FAKE_ROCM_SMI_SCRIPT="$FIXTURES/rocm_smi/init_error.script"
write_config rocm_smi
start_llmon --config "$WORK/llmon.toml"
check "init failure: llmon_collector_success{collector=\"gpu\"} 0" \
  wait_metrics '^llmon_collector_success\{collector="gpu"\} 0$'
check "init failure: no GPU series are exported" bash -c "! curl -sS '$(url /metrics)' | grep -q '^llmon_gpu_'"
check "init failure: the daemon keeps serving its other metrics" \
  wait_metrics '^llmon_host_memory_total_bytes 131072000000$'
sleep 1  # several retries (200ms interval, doubling) happen meanwhile
check "init failure: logged once per collector, not once per retry" \
  test "$(grep -c 'collector gpu failed' "$LLMON_LOG")" -eq 1
check "init failure: the message names the init error" grep -q 'RSMI_STATUS_INIT_ERROR' "$LLMON_LOG"
stop_llmon TERM
finish
