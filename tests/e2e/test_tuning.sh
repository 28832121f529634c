#!/usr/bin/env bash
# The tuning-drift checks end to end: the daemon on the clean and the drifted Strix Halo fixture
# boxes against fake Ollama instances, `llmon doctor` text and JSON with its exit codes, and an
# unreadable environment (llmon as another user) that must make checks unknown, never ok.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_boxes.sh"

run_box() {  # run_box BOX SCENARIO: assembles the box under $WORK/BOX and starts llmon on it
  local box="$1"
  start_fake "main_$box" "$BOXES/ollama/$2.toml"
  start_fake "second_$box" "$BOXES/ollama/second.toml"
  local a="FAKE_PORT_main_$box" b="FAKE_PORT_second_$box"
  assemble_box "$box" "$WORK/$box" "${!a}" "${!b}"
  box_config "$WORK/$box" "${!a}" "${!b}" > "$WORK/$box.toml"
  start_llmon --config "$WORK/$box.toml"
}

drift() { echo "^llmon_tuning_drift\\{check=\"$1\"${2:+,ollama=\"$2\"}\\} $3\$"; }

# --- the clean box: every check 0
run_box strix_halo_clean clean
for check in restart_pending env_mismatch expect_mismatch not_under_unit gfx_override \
  unknown_variable bad_boolean parallel_mismatch cpu_fallback model_too_large; do
  check "clean: $check is 0" wait_metrics "$(drift "$check" default 0)" 15
done
check "clean: gtt_limit is 0 (host scope: no ollama label)" wait_metrics "$(drift gtt_limit "" 0)"
check "clean: performance_level is 0" wait_metrics "$(drift performance_level "" 0)"
scrape > "$WORK/clean.prom"
check "clean: no drift anywhere" bash -c "! grep -q '^llmon_tuning_drift{.*} 1$' '$WORK/clean.prom'"
check "clean: no drift info" bash -c "! grep -q '^llmon_tuning_drift_info' '$WORK/clean.prom'"
check "clean: the second instance has no unit checks" \
  bash -c "! grep -Eq 'check=\"(restart_pending|env_mismatch|not_under_unit)\",ollama=\"second\"' '$WORK/clean.prom'"
check "clean: the second instance's own checks run" \
  grep -q '^llmon_tuning_drift{check="bad_boolean",ollama="second"} 0$' "$WORK/clean.prom"
check "clean: runner settings from its command line" grep -q \
  '^llmon_ollama_runner_info{context="524288",flash_attn="on",kv_cache_type="q8_0",model="qwen3-coder:30b-a3b-q8_0",ollama="default",parallel="2"} 1$' \
  "$WORK/clean.prom"
check "clean: runner memory" grep -q \
  '^llmon_ollama_runner_resident_memory_bytes{model="qwen3-coder:30b-a3b-q8_0",ollama="default"} 34359738368$' \
  "$WORK/clean.prom"
check "clean: the environment as the process has it" grep -q \
  '^llmon_ollama_env_info{ollama="default",source="process",value="2",var="OLLAMA_NUM_PARALLEL"} 1$' \
  "$WORK/clean.prom"
check "clean: the environment as the unit sets it (EnvironmentFile= included)" grep -q \
  '^llmon_ollama_env_info{ollama="default",source="unit",value="q8_0",var="OLLAMA_KV_CACHE_TYPE"} 1$' \
  "$WORK/clean.prom"
check "clean: unit change time" grep -q \
  "^llmon_ollama_unit_changed_timestamp_seconds{ollama=\"default\"} $((SERVER_START - 86400))$" \
  "$WORK/clean.prom"
check "clean: kernel and TTM limit" grep -q \
  '^llmon_host_ttm_pages_limit_bytes 120259084288$' "$WORK/clean.prom"
check "clean: kernel release" grep -q '^llmon_host_kernel_info{release="6.18.5-1-amd64"} 1$' \
  "$WORK/clean.prom"
check "clean: promtool check metrics is clean" promtool_clean "$WORK/clean.prom"

"$LLMON_BIN" doctor --config "$WORK/strix_halo_clean.toml" > "$WORK/doctor_clean.txt" 2>&1
status=$?
check "doctor on the clean box exits 0" test "$status" -eq 0
check "doctor on the clean box: no DRIFT line" bash -c "! grep -q DRIFT '$WORK/doctor_clean.txt'"
check "doctor shows the GPU" grep -q 'gpu 0: AMD Radeon 8060S (gfx1151)' "$WORK/doctor_clean.txt"
check "doctor summary" grep -Eq '^0 drift, [0-9]+ unknown, [0-9]+ ok' "$WORK/doctor_clean.txt"
stop_llmon TERM

# --- the drifted box: every check 1, with what to do
run_box strix_halo_drifted drifted
for check in restart_pending env_mismatch expect_mismatch not_under_unit gfx_override \
  unknown_variable bad_boolean parallel_mismatch cpu_fallback model_too_large; do
  check "drifted: $check is 1" wait_metrics "$(drift "$check" default 1)" 15
done
check "drifted: gtt_limit is 1" wait_metrics "$(drift gtt_limit "" 1)"
check "drifted: performance_level is 1" wait_metrics "$(drift performance_level "" 1)"
scrape > "$WORK/drifted.prom"
check "drifted: gfx_override says what is set" grep -q \
  '^llmon_tuning_drift_info{actual="HSA_OVERRIDE_GFX_VERSION=11.0.0",check="gfx_override",expected="HSA_OVERRIDE_GFX_VERSION unset",ollama="default"} 1$' \
  "$WORK/drifted.prom"
check "drifted: promtool check metrics is clean" promtool_clean "$WORK/drifted.prom"
check "drifted: the drift is logged once per check, not per run" \
  test "$(grep -c 'default restart_pending: drift' "$LLMON_LOG")" -eq 1

set +e
"$LLMON_BIN" doctor --config "$WORK/strix_halo_drifted.toml" > "$WORK/doctor_drifted.txt" 2>&1
status=$?
"$LLMON_BIN" doctor --config "$WORK/strix_halo_drifted.toml" --format json > "$WORK/doctor.json"
json_status=$?
set -e
check "doctor on the drifted box exits 1" test "$status" -eq 1
check "doctor --format json exits 1 too" test "$json_status" -eq 1
check "doctor: the pending restart and its fix" grep -q \
  'override.conf changed 12 min after ollama (pid 812) started' "$WORK/doctor_drifted.txt"
check "doctor: the fix is a command" grep -q \
  'fix: sudo systemctl daemon-reload && sudo systemctl restart ollama' "$WORK/doctor_drifted.txt"
check "doctor: the gfx override explained" grep -q \
  'HSA_OVERRIDE_GFX_VERSION=11.0.0 but GPU 0 is gfx1151, which Ollama 0.30.4 supports natively' \
  "$WORK/doctor_drifted.txt"
check "doctor: the bad boolean explained" grep -q \
  "OLLAMA_FLASH_ATTENTION=off: Go's strconv.ParseBool rejects" "$WORK/doctor_drifted.txt"
check "doctor: the typo gets a suggestion" grep -q 'did you mean OLLAMA_NUM_PARALLEL?' \
  "$WORK/doctor_drifted.txt"
check "doctor: the model on the CPU" grep -q 'qwen3-coder:30b-a3b-q8_0 is 35% on the CPU' \
  "$WORK/doctor_drifted.txt"
check "doctor JSON: 12 drifting checks" \
  test "$(jq '.summary.drift' "$WORK/doctor.json")" -eq 12
check "doctor JSON: each drift has a fix" \
  test "$(jq '[.host_checks[], .instances[].checks[] | select(.state == "drift" and (.fix | length) == 0)] | length' "$WORK/doctor.json")" -eq 0
stop_llmon TERM

# --- an environment llmon may not read: the checks that need it are unknown, never 0
chmod 0755 "$WORK"
chmod -R a+rX "$WORK/strix_halo_clean" "$WORK/strix_halo_clean.toml"
chmod 0400 "$WORK/strix_halo_clean/proc/812/environ"
: > "$LLMON_LOG"
setpriv --reuid=65534 --regid=65534 --clear-groups \
  "$LLMON_BIN" serve --listen 127.0.0.1:0 --config "$WORK/strix_halo_clean.toml" 2>"$LLMON_LOG" &
LLMON_PID=$!
for _ in $(seq 1 200); do
  LLMON_PORT="$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$LLMON_LOG" | tail -1)"
  [[ -n "$LLMON_PORT" ]] && break
  sleep 0.05
done
check "unreadable environ: restart_pending still works from files" \
  wait_metrics "$(drift restart_pending default 0)" 15
scrape > "$WORK/noenv.prom"
check "unreadable environ: env_mismatch is absent (unknown), not 0" \
  bash -c "! grep -q 'check=\"env_mismatch\",ollama=\"default\"' '$WORK/noenv.prom'"
check "unreadable environ: expect_mismatch falls back to the unit" \
  grep -q '^llmon_tuning_drift{check="expect_mismatch",ollama="default"} 0$' "$WORK/noenv.prom"
check "unreadable environ: the reason is logged once" \
  test "$(grep -c 'default env_mismatch: cannot be checked: .*environ.*ermission' "$LLMON_LOG")" -eq 1
stop_llmon TERM
finish
