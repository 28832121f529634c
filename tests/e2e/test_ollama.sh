#!/usr/bin/env bash
# The Ollama collector against the fake Ollama: two instances up while a third is down, models
# loading and unloading, every fault the fake can inject, an instance dying and coming back.
source "$(dirname "$0")/lib.sh"

SCENARIO="$FIXTURES/ollama/strix_halo.toml"
start_fake a "$SCENARIO"
start_fake b "$FIXTURES/ollama/second_instance.toml"
cat > "$WORK/llmon.toml" <<TOML
[gpu]
backend = "none"
[host]
procfs_root = "/proc"
[[ollama]]
name = "a"
url = "127.0.0.1:$FAKE_PORT_a"
interval = "200ms"
# Room for the fake to build its oversized body (slow in sanitizer builds and on a loaded
# machine) before the timeout: the oversized fault must end at the body limit, not the timeout.
timeout = "4s"
max_body_bytes = 1048576
process = "fake_ollama"
[[ollama]]
name = "b"
url = "http://127.0.0.1:$FAKE_PORT_b"
interval = "200ms"
timeout = "1s"
process = ""
[[ollama]]
name = "down"
url = "127.0.0.1:9"
interval = "200ms"
timeout = "1s"
process = ""
TOML
start_llmon --config "$WORK/llmon.toml"

check "a is up" wait_metrics '^llmon_ollama_up\{ollama="a"\} 1$'
check "b is up at the same time" wait_metrics '^llmon_ollama_up\{ollama="b"\} 1$'
check "the third instance is down" wait_metrics '^llmon_ollama_up\{ollama="down"\} 0$'
scrape > "$WORK/m.prom"
check "promtool check metrics is clean" promtool_clean "$WORK/m.prom"
check "version info" grep -q '^llmon_ollama_info{ollama="a",version="0.12.11"} 1$' "$WORK/m.prom"
check "models loaded on a" grep -q '^llmon_ollama_models_loaded{ollama="a"} 3$' "$WORK/m.prom"
check "a partly offloaded model shows a GPU ratio below 1" \
  grep -Eq '^llmon_ollama_model_gpu_ratio\{model="llama3.2:3b",ollama="a"\} 0\.[0-9]+$' "$WORK/m.prom"
check "a model fully on the GPU shows ratio 1" \
  grep -q '^llmon_ollama_model_gpu_ratio{model="qwen3-coder:30b-a3b-q8_0",ollama="a"} 1$' "$WORK/m.prom"
check "a pinned model expires at +Inf" \
  grep -q '^llmon_ollama_model_expiry_timestamp_seconds{model="nomic-embed-text:latest",ollama="a"} +Inf$' "$WORK/m.prom"
check "the context length is exported" \
  grep -q '^llmon_ollama_model_context_length{model="qwen3-coder:30b-a3b-q8_0",ollama="a"} 262144$' "$WORK/m.prom"
check "available models come from /api/tags" grep -q '^llmon_ollama_models_available{ollama="a"} 5$' "$WORK/m.prom"
check "the down instance has no model series" bash -c "! grep -q 'model=.*ollama=\"down\"' '$WORK/m.prom'"
check "the server process is found through /proc (socket owner)" \
  wait_metrics '^llmon_ollama_process_resident_memory_bytes\{ollama="a"\} [1-9]'
check "its start time is exported" grep -q '^llmon_ollama_process_start_time_seconds{ollama="a"}' "$WORK/m.prom"
check "the collector itself succeeds while its instance is down" \
  grep -q '^llmon_collector_success{collector="ollama/down"} 1$' "$WORK/m.prom"

# Models appearing and leaving count as loads and unloads.
fake_post a /_fake/load '{"model":"gpt-oss:20b"}' >/dev/null
check "a model loaded meanwhile counts one load" \
  wait_metrics '^llmon_ollama_model_loads_total\{model="gpt-oss:20b",ollama="a"\} 1$'
fake_post a /_fake/unload '{"model":"llama3.2:3b"}' >/dev/null
check "a model unloaded meanwhile counts one unload" \
  wait_metrics '^llmon_ollama_model_unloads_total\{model="llama3.2:3b",ollama="a"\} 1$'
check "and its gauges disappear" \
  bash -c "! curl -sS '$(url /metrics)' | grep -q 'llmon_ollama_model_size_bytes{model=\"llama3.2:3b\"'"

# Every fault the fake can inject: a is reported down, b is unaffected, then a recovers.
fault() {  # fault KIND [extra TOML lines]: replaces a's scenario with the base plus one fault
  { cat "$SCENARIO"; printf '\n[[faults]]\nendpoint = "/api/ps"\nkind = "%s"\n%s\n' "$1" "${2:-}"; } \
    > "$WORK/fault.toml"
  fake_post a /_fake/scenario "$(cat "$WORK/fault.toml")" application/toml >/dev/null
}
for spec in "status|status = 500" "status|status = 404" "status|status = 503" "malformed_json|" \
  "truncated|" "hang|" "oversized|bytes = 1310720" "reset|" "slow_drip|interval = \"50ms\""; do
  kind="${spec%%|*}"
  fault "$kind" "${spec#*|}"
  check "fault $spec: a goes down" wait_metrics '^llmon_ollama_up\{ollama="a"\} 0$' 15
  check "fault $spec: a's model series disappear" \
    bash -c "! curl -sS '$(url /metrics)' | grep -q '^llmon_ollama_model_size_bytes{.*ollama=\"a\"'"
  check "fault $spec: b is unaffected" \
    bash -c "curl -sS '$(url /metrics)' | grep -q '^llmon_ollama_up{ollama=\"b\"} 1$'"
  fake_post a /_fake/scenario "$(cat "$SCENARIO")" application/toml >/dev/null
  check "fault $spec: a recovers without restarting llmon" \
    wait_metrics '^llmon_ollama_up\{ollama="a"\} 1$' 15
done
check "the daemon kept serving throughout" kill -0 "$LLMON_PID"
check "a warning per outage, not per poll (down: 1)" \
  test "$(grep -c 'ollama/down: Ollama at' "$LLMON_LOG")" -eq 1
check "a's recoveries are logged" grep -q 'ollama/a: healthy again' "$LLMON_LOG"
check "the body limit was enforced" grep -q 'response body larger than 1048576 bytes' "$LLMON_LOG"

# An instance that dies and comes back on the same port.
stop_fake b
check "b killed: down" wait_metrics '^llmon_ollama_up\{ollama="b"\} 0$'
start_fake b "$FIXTURES/ollama/second_instance.toml" "$FAKE_PORT_b"
check "b restarted: up again, with no restart of llmon" wait_metrics '^llmon_ollama_up\{ollama="b"\} 1$' 30
scrape > "$WORK/end.prom"
check "promtool check metrics is clean at the end" promtool_clean "$WORK/end.prom"
finish
