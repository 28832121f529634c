#!/usr/bin/env bash
# llmon's alert rules on a real Prometheus, end to end. A copy of prometheus/llmon.rules.yml
# with every `for:` shortened to 5s (a few scrapes: LlmonDown's absent() holds until the first
# scrape) is loaded by two Prometheus servers:
#  - "fault" scrapes llmon on the drifted tuning fixture box (tests/fixtures/boxes) watching a
#    fake Ollama with a partly offloaded model that answers benchmarks wrongly, and a second
#    fake Ollama in a fault mode (every API request fails); FAULT_ALERTS must reach firing,
#    with exactly these labels, and nothing else may fire;
#  - "clean" scrapes llmon on the clean fixture box, on the same GPU fixture, whose models are
#    all on the GPU and answer correctly: no alert may be pending or firing once the rules have
#    run on that data.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_prometheus.sh"
source "$(dirname "$0")/lib_boxes.sh"

command -v prometheus >/dev/null || { fail "prometheus is not installed (make deps)"; finish; }
STARTED=$(date +%s)

sed -E 's/^( +for: ).*/\15s/' "$LLMON_SOURCE_DIR/prometheus/llmon.rules.yml" > "$WORK/rules.yml"
grep -q 'for: 5s' "$WORK/rules.yml" && ! grep -E '^ +for: ' "$WORK/rules.yml" | grep -qv 'for: 5s' ||
  { fail "could not shorten the rules' for:"; finish; }

# Scenarios: the Strix Halo models as they are (llama3.2:3b partly on the CPU) and fixed (all
# on the GPU); the second instance failing every request with a 500.
scenario="$FIXTURES/ollama/strix_halo.toml"
grep -q '^size_vram = 2147483648$' "$scenario" || { fail "strix_halo.toml changed"; finish; }
sed 's/^size_vram = 2147483648$/size_vram = 3461472256/' "$scenario" > "$WORK/clean.toml"
{ cat "$FIXTURES/ollama/second_instance.toml"; printf '\n[[faults]]\nendpoint = "*"\nkind = "status"\nstatus = 500\n'; } \
  > "$WORK/broken.toml"
start_fake fault_main "$scenario"
start_fake broken "$WORK/broken.toml"
start_fake clean_main "$WORK/clean.toml"
start_fake clean_second "$FIXTURES/ollama/second_instance.toml"

assemble_box strix_halo_drifted "$WORK/drifted" "$FAKE_PORT_fault_main" "$FAKE_PORT_broken"
assemble_box strix_halo_clean "$WORK/clean" "$FAKE_PORT_clean_main" "$FAKE_PORT_clean_second"

llmon_config() {  # llmon_config MAIN_PORT SECOND_NAME SECOND_PORT BENCH_MODEL BOX
  cat <<TOML
[gpu]
backend = "sysfs"
sysfs_root = "$5/sys"
interval = "1s"
sample_interval = "200ms"
[host]
procfs_root = "$5/proc"
interval = "1s"
[tuning]
interval = "1s"
unit_dirs = ["$5/root/etc/systemd/system"]
root = "$5/root"
dbus_address = ""
[[ollama]]
name = "main"
url = "127.0.0.1:$1"
interval = "1s"
[[ollama]]
name = "$2"
url = "127.0.0.1:$3"
interval = "1s"
unit = ""
[bench]
enabled = true
interval = "1s"
jitter = "0s"
instances = ["main"]
models = ["$4"]
state_dir = "$WORK/state_$2"
TOML
}
# The state directories exist, as the systemd unit's StateDirectory= makes them (llmon never
# creates one: a missing one would fire LlmonBenchStateNotSaved).
mkdir -p "$WORK/state_broken" "$WORK/state_second"
llmon_config "$FAKE_PORT_fault_main" broken "$FAKE_PORT_broken" "llama3.2:3b" \
  "$WORK/drifted" > "$WORK/fault.toml"
llmon_config "$FAKE_PORT_clean_main" second "$FAKE_PORT_clean_second" \
  "qwen3-coder:30b-a3b-q8_0" "$WORK/clean" > "$WORK/clean_llmon.toml"

# Two llmon daemons: lib.sh tracks one, so the first is handed to its cleanup list.
LLMON_LOG="$WORK/llmon_fault.log"
start_llmon --config "$WORK/fault.toml"
FAULT_LLMON_PORT=$LLMON_PORT
FAKE_PIDS+=("$LLMON_PID")
LLMON_LOG="$WORK/llmon_clean.log"
start_llmon --config "$WORK/clean_llmon.toml"
CLEAN_LLMON_PORT=$LLMON_PORT

# Every alert that must fire on the fault box, with all its labels, as firing_alerts prints them.
target="instance=127.0.0.1:$FAULT_LLMON_PORT job=llmon"
# The drifted box drifts in every check that can be made against this Ollama (0.12.11, its
# largest model fits the GPU: no model_too_large; no [tuning.expect]: no expect_mismatch);
# cpu_fallback is LlmonModelOffloadedToCpu's.
tuning_alert() { echo "LlmonTuningDrift check=$1 $target ${2:+ollama=$2 }severity=warning"; }
FAULT_ALERTS="LlmonBenchWrongAnswers $target model=llama3.2:3b ollama=main severity=warning
LlmonModelOffloadedToCpu $target model=llama3.2:3b ollama=main severity=warning
LlmonOllamaDown $target ollama=broken severity=critical
LlmonOllamaRestartPending check=restart_pending $target ollama=main severity=warning
$(tuning_alert bad_boolean main)
$(tuning_alert env_mismatch main)
$(tuning_alert gfx_override main)
$(tuning_alert gtt_limit)
$(tuning_alert not_under_unit main)
$(tuning_alert parallel_mismatch main)
$(tuning_alert performance_level)
$(tuning_alert unknown_variable main)"

prometheus_config() {  # prometheus_config LLMON_PORT
  cat <<YAML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files: ["$WORK/rules.yml"]
scrape_configs:
  - job_name: llmon
    static_configs:
      - targets: ["127.0.0.1:$1"]
YAML
}
prometheus_config "$FAULT_LLMON_PORT" > "$WORK/prometheus_fault.yml"
prometheus_config "$CLEAN_LLMON_PORT" > "$WORK/prometheus_clean.yml"
start_prometheus fault "$WORK/prometheus_fault.yml"
start_prometheus clean "$WORK/prometheus_clean.yml"

alerts_json() { curl -sS --max-time 2 "$(prom_url "$1")/api/v1/alerts"; }
firing_alerts() {  # firing_alerts NAME: one sorted line per firing alert
  alerts_json "$1" | jq -r '.data.alerts[] | select(.state == "firing") | .labels |
    ([.alertname] + [to_entries[] | select(.key != "alertname") | "\(.key)=\(.value)"])
    | join(" ")' 2>/dev/null | sort
}
query() { prom_query "$@"; }

wait_fault_alerts() {
  local deadline=$(($(date +%s) + 60)) got
  while (($(date +%s) <= deadline)); do
    got="$(firing_alerts fault)"
    if [[ "$got" == "$FAULT_ALERTS" ]]; then return 0; fi
    sleep 0.5
  done
  echo "firing on the fault box:" >&2
  echo "${got:-<none>}" >&2
  echo "expected:" >&2
  echo "$FAULT_ALERTS" >&2
  return 1
}
check "the fault box fires exactly $(cut -d' ' -f1 <<<"$FAULT_ALERTS" | xargs)" \
  wait_fault_alerts

annotations_rendered() {
  local bad
  bad="$(alerts_json fault | jq -r '.data.alerts[].annotations[]' |
    grep -E 'error expanding|<no value>|\{\{' || true)"
  [[ -z "$bad" ]] || { echo "$bad" >&2; return 1; }
  alerts_json fault | jq -e '[.data.alerts[] | select(.labels.alertname == "LlmonOllamaDown")
    | .annotations.description | test("Ollama instance broken watched by llmon on 127\\.0\\.0\\.1:")]
    | all and length == 1' >/dev/null
}
check "the firing alerts' annotations render with their label values" annotations_rendered

# The clean box had the same time. Make sure the rules ran on its data: the series the fault
# alerts use are there, and the benchmark group evaluated after a correct answer was stored.
clean_has_data() {
  local deadline=$(($(date +%s) + 30))
  while (($(date +%s) <= deadline)); do
    if query clean 'llmon_bench_last_correct == 1' | grep -q '"result":\[{' &&
       query clean 'min(llmon_ollama_model_gpu_ratio) == 1' | grep -q '"result":\[{' &&
       query clean 'count(llmon_ollama_up == 1) == 2' | grep -q '"result":\[{'; then
      return 0
    fi
    sleep 0.5
  done
  return 1
}
check "the clean box's data reached Prometheus" clean_has_data
rules_ran_since() {  # rules_ran_since EPOCH: every group evaluated after EPOCH
  local deadline=$(($(date +%s) + 15))
  while (($(date +%s) <= deadline)); do
    if curl -sS --max-time 2 "$(prom_url clean)/api/v1/rules" | jq -e --argjson t "$1" \
      '[.data.groups[].lastEvaluation | sub("\\.[0-9]+"; "") | sub("Z$"; "Z") |
        fromdateiso8601 > $t] | all' >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.5
  done
  return 1
}
since=$(($(date +%s) + 1))
check "the clean box's rules evaluated on that data" rules_ran_since "$since"
no_clean_alerts() {
  local got
  got="$(alerts_json clean | jq -r '.data.alerts[] | "\(.state) \(.labels.alertname) \(.labels)"')"
  [[ -z "$got" ]] || { echo "$got" >&2; return 1; }
}
check "no alert is pending or firing on the clean box" no_clean_alerts

for name in fault clean; do
  errors="$(prometheus_rule_errors "$name")"
  check "the $name Prometheus evaluated every rule without error" test -z "$errors"
  [[ -z "$errors" ]] || echo "$errors" >&2
done
echo "took $(($(date +%s) - STARTED)) s"
finish
