#!/usr/bin/env bash
# The Ollama collector against a hostile Ollama: a 4 MB model name inside an 8 MiB body, raw NUL
# and ESC in names and the version, negative and int64-max sizes, a negative context length, then
# thousands of loaded models. The exposition stays small and valid, llmon's memory bounded, the
# impossible values absent, and the log says so once per change, not once per poll.
source "$(dirname "$0")/lib.sh"

MAX_EXPOSITION_BYTES=65536
# 11-35 MiB here (an 8 MB body and its parse, transient, may stay in malloc's heap); before the
# bounds, 280 MiB with the 4 MB name and 920 MiB with thousands of models.
MAX_RSS_KIB=$((64 * 1024))

HUGE="$(head -c 4000000 /dev/zero | tr '\0' 'h')"
# TOML basic strings: \u escapes carry the control characters into Ollama's JSON as they are.
cat > "$WORK/hostile.toml" <<TOML
[server]
version = "0.12.11\u0000\u001b[2J"
utc_offset = "Z"

[[models]]
name = "plain:latest"
size = 2019393189
loaded = true

[[models]]
name = "evil\u001b[31m\u0000:latest"
size = 2019393189
loaded = true
ps_extra = { size_vram = -1, context_length = -4096 }

[[models]]
name = "huge:latest"
size = 2019393189
loaded = true
ps_extra = { size = 9223372036854775807, size_vram = 9223372036854775807 }

[[models]]
name = "$HUGE"
size = 2019393189
loaded = true
ps_extra = { model = "long-one" }
TOML
unset HUGE
start_fake hostile "$WORK/hostile.toml"
cat > "$WORK/llmon.toml" <<TOML
[gpu]
backend = "none"
[host]
procfs_root = "/proc"
[[ollama]]
name = "hostile"
url = "127.0.0.1:$FAKE_PORT_hostile"
interval = "1s"
timeout = "5s"
max_body_bytes = 8388608
process = ""
TOML
start_llmon --config "$WORK/llmon.toml"

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$LLMON_PID/status"; }
rss_bounded() {
  test "$(rss_kib)" -le "$MAX_RSS_KIB"
}
polls() { fake_get hostile /_fake/stats | jq '.requests["/api/ps"] // 0'; }
# wait_polls N: until the fake has answered N more /api/ps requests than now.
wait_polls() {
  local target=$(($(polls) + $1)) deadline=$(($(date +%s) + 60))
  while (($(polls) < target)) && (($(date +%s) <= deadline)); do sleep 0.2; done
  (($(polls) >= target))
}
# wait_log_count TEXT N: until the log has N lines with TEXT.
wait_log_count() {
  local deadline=$(($(date +%s) + 60))
  while (($(grep -c -- "$1" "$LLMON_LOG") < $2)) && (($(date +%s) <= deadline)); do sleep 0.2; done
  (($(grep -c -- "$1" "$LLMON_LOG") == $2))
}

check "the hostile instance is up" wait_metrics '^llmon_ollama_up\{ollama="hostile"\} 1$' 60
check "several polls happen" wait_polls 4
scrape > "$WORK/m.prom"
size=$(stat -c %s "$WORK/m.prom")
echo "exposition: $size bytes; resident memory: $(rss_kib) KiB"
check "promtool check metrics is clean" promtool_clean "$WORK/m.prom"
check "the exposition stays small (at most $MAX_EXPOSITION_BYTES bytes, not the 4 MB name)" \
  test "$size" -le "$MAX_EXPOSITION_BYTES"
check_memory "resident memory stays bounded (at most $MAX_RSS_KIB KiB)" rss_bounded
check "all four models are counted" grep -q '^llmon_ollama_models_loaded{ollama="hostile"} 4$' "$WORK/m.prom"
check "no raw control character in the exposition" \
  bash -c "! LC_ALL=C grep -q '[[:cntrl:]]' <(tr -d '\n' < '$WORK/m.prom')"
check "the version's NUL and ESC are visible symbols" \
  grep -q '^llmon_ollama_info{ollama="hostile",version="0.12.11␀␛\[2J"} 1$' "$WORK/m.prom"
check "the model name's ESC and NUL are visible symbols" \
  grep -q '^llmon_ollama_model_size_bytes{model="evil␛\[31m␀:latest",ollama="hostile"} 2' "$WORK/m.prom"
check "the 4 MB name is cut to 256 bytes, ending in … and a hash" \
  bash -c "grep -o 'model=\"hhh[^\"]*\"' '$WORK/m.prom' | sort -u > '$WORK/long'
           test \$(wc -l < '$WORK/long') -eq 1 && test \$(wc -c < '$WORK/long') -le \$((256 + 9)) &&
           grep -Eq '…[0-9a-f]{8}\"$' '$WORK/long'"
check "a negative vram size is absent" \
  bash -c "! grep -q '^llmon_ollama_model_\(vram_bytes\|gpu_ratio\){model=\"evil' '$WORK/m.prom'"
check "a negative context length is absent" \
  bash -c "! grep -q '^llmon_ollama_model_context_length{model=\"evil' '$WORK/m.prom'"
check "int64-max sizes are absent" \
  bash -c "! grep -Eq '^llmon_ollama_model_(size_bytes|vram_bytes|gpu_ratio)\{model=\"huge' '$WORK/m.prom'"
check "no negative or int64-max value anywhere" \
  bash -c "! grep -aEq '^llmon_ollama_[a-z_]+(\{[^}]*\})? (-|9223372036854775807|9\.22)' '$WORK/m.prom'"
check "the plausible values of the same models stay" \
  grep -q '^llmon_ollama_model_vram_bytes{model="plain:latest",ollama="hostile"} ' "$WORK/m.prom"
check "nothing was dropped so far" \
  grep -q '^llmon_ollama_dropped_models_total{ollama="hostile"} 0$' "$WORK/m.prom"
check "impossible values are logged once, not per poll" \
  test "$(grep -c 'ollama/hostile: Ollama reported impossible values, not exported' "$LLMON_LOG")" -eq 1
check "the log line names the values, with the name made printable" \
  grep -q 'not exported: evil␛\[31m␀:latest: size_vram -1; context_length -4096 (and 1 more models)' "$LLMON_LOG"

# Thousands of models in an 8 MB /api/ps: only 64 are exported, the rest counted.
fake_post hostile /_fake/faults '{"endpoint":"/api/ps","kind":"oversized","bytes":8000000}' >/dev/null
check "a huge /api/ps is still read" \
  wait_metrics '^llmon_ollama_models_loaded\{ollama="hostile"\} [0-9]{4,}$' 60
loaded="$(metric_value '^llmon_ollama_models_loaded\{ollama="hostile"\}')"
# dropped_at_least N: until the counter reaches N (each successful poll adds loaded - 64).
dropped_at_least() {
  local deadline=$(($(date +%s) + 60)) value
  while (($(date +%s) <= deadline)); do
    value="$(metric_value '^llmon_ollama_dropped_models_total\{ollama="hostile"\}')"
    ((${value:-0} >= $1)) && return 0
    sleep 0.2
  done
  return 1
}
check "the rest is counted at every poll" dropped_at_least "$((2 * (loaded - 64)))"
scrape > "$WORK/many.prom"
dropped="$(awk '/^llmon_ollama_dropped_models_total\{ollama="hostile"\}/ { print $2 }' "$WORK/many.prom")"
echo "models listed: $loaded, dropped so far: $dropped; exposition $(stat -c %s "$WORK/many.prom") bytes; resident memory: $(rss_kib) KiB"
check "promtool check metrics is clean with thousands of models listed" promtool_clean "$WORK/many.prom"
check "64 models are exported" \
  test "$(grep -c '^llmon_ollama_model_loaded_info{.*ollama="hostile"' "$WORK/many.prom")" -eq 64
check "the ones whose names sort first" \
  grep -q '^llmon_ollama_model_size_bytes{model="filler-0:latest",ollama="hostile"}' "$WORK/many.prom"
check "the exposition stays small with thousands listed" \
  test "$(stat -c %s "$WORK/many.prom")" -le "$MAX_EXPOSITION_BYTES"
check_memory "resident memory stays bounded with thousands listed" rss_bounded
check "leaving models out is logged once" \
  test "$(grep -c 'only the 64 whose names sort first are exported' "$LLMON_LOG")" -eq 1
check "the fillers' values are plausible: the impossible state ended, logged once" \
  test "$(grep -c "ollama/hostile: Ollama's values are plausible again" "$LLMON_LOG")" -eq 1

curl -sS -X DELETE "http://127.0.0.1:$FAKE_PORT_hostile/_fake/faults" >/dev/null
check "back to four models" wait_metrics '^llmon_ollama_models_loaded\{ollama="hostile"\} 4$' 60
check "the end of leaving models out is logged" \
  grep -q 'ollama/hostile: /api/ps lists no more models than are exported' "$LLMON_LOG"
check "the dropped counter never goes back" \
  test "$(metric_value '^llmon_ollama_dropped_models_total\{ollama="hostile"\}')" -ge "$dropped"
check "impossible values again: a second line for the second change" \
  wait_log_count 'ollama/hostile: Ollama reported impossible values, not exported' 2
scrape > "$WORK/end.prom"
check "promtool check metrics is clean at the end" promtool_clean "$WORK/end.prom"
check "the daemon kept serving throughout" kill -0 "$LLMON_PID"
finish
