#!/usr/bin/env bash
# Benchmarks of thinking models (Ollama 0.12.4+ thinks by default, and thinking counts against
# num_predict): llmon asks for the least thinking each model accepts, a run cut before any
# answer is `truncated`, and thinking never counts as the answer.
source "$(dirname "$0")/lib.sh"

# 300 words of thinking: more than a num_predict of 256 can hold before the answer.
long="$(printf 'hmm, %.0s' $(seq 1 300))"
cat > "$WORK/thinking.toml" <<TOML
[server]
version = "0.12.11"
utc_offset = "+00:00"

# Takes think true/false (qwen3, deepseek-r1...).
[[models]]
name = "qwen3:8b"
family = "qwen3"
capabilities = ["completion", "tools", "thinking"]
tokens_per_second = 3000
ttft = "20ms"
loaded = true
thinking = "$long"
response = "def binary_search(a, x): return -1"

# Thinks briefly, and only its thinking has what expect looks for: the answer is wrong.
[[models]]
name = "deepseek-r1:8b"
family = "qwen3"
capabilities = ["completion", "thinking"]
tokens_per_second = 3000
ttft = "20ms"
loaded = true
thinking = "def binary_search(a, x) is what they want, but I will refuse."
response = "I cannot help with that."

# Takes levels only and cannot stop thinking (gpt-oss: family and harmony template).
[[models]]
name = "gpt-oss:20b"
family = "gptoss"
template = "<|start|>system<|message|>Reasoning: {{ .ThinkLevel }}<|end|>{{ .Prompt }}"
capabilities = ["completion", "tools", "thinking"]
tokens_per_second = 3000
ttft = "20ms"
loaded = true
thinking = "$long"
thinking_low = "The user wants binary search."
response = "def binary_search(a, x): return -1"

# Does not think: never sent a think value.
[[models]]
name = "llama3.2:3b"
family = "llama"
capabilities = ["completion", "tools"]
tokens_per_second = 3000
ttft = "20ms"
loaded = true
response = "def binary_search(a, x): return -1"
TOML
start_fake a "$WORK/thinking.toml"
mkdir -p "$WORK/state"
cat > "$WORK/llmon.toml" <<TOML
[gpu]
backend = "none"
[[ollama]]
name = "a"
url = "127.0.0.1:$FAKE_PORT_a"
interval = "200ms"
process = ""
[bench]
enabled = true
interval = "1h"
jitter = "0s"
timeout = "10s"
state_dir = "$WORK/state"
models = ["qwen3:8b", "deepseek-r1:8b", "gpt-oss:20b", "llama3.2:3b"]
[[bench.prompt]]
name = "default"
prompt = "Write binary search in Python"
expect = 'def\s+binary_search\('
[[bench.prompt]]
name = "thinks"
prompt = "Write binary search in Python"
expect = 'def\s+binary_search\('
think = true
TOML
start_llmon --config "$WORK/llmon.toml"
runs() { echo "^llmon_bench_runs_total\\{model=\"$1\",ollama=\"a\",prompt=\"$2\",result=\"$3\"\\} 1$"; }
check "the cycle ends" wait_metrics "$(runs llama3.2:3b thinks ok)" 30
scrape > "$WORK/m.prom"
sent() {  # sent MODEL PROMPT-TEXT-SUFFIX: the think value of that model's requests
  fake_get a /_fake/requests |
    jq -c --arg m "$1" '[.[] | select(.path == "/api/generate" and .body.model == $m) | .body.think]'
}
check "a thinking model is asked not to think, and answers correctly" grep -Eq "$(runs qwen3:8b default ok)" "$WORK/m.prom"
check "gpt-oss is asked for its lowest level, and answers correctly" grep -Eq "$(runs gpt-oss:20b default ok)" "$WORK/m.prom"
check "think values sent: false to qwen3 (then the configured true)" test "$(sent qwen3:8b)" = '[false,true]'
check "\"low\" to gpt-oss (then true)" test "$(sent gpt-oss:20b)" = '["low",true]'
check "nothing to a model that does not think" test "$(sent llama3.2:3b)" = '[null,null]'
check "a run that spends num_predict thinking is truncated, not a mismatch" \
  grep -Eq "$(runs qwen3:8b thinks truncated)" "$WORK/m.prom"
check "likewise for gpt-oss at think = true (its medium level)" \
  grep -Eq "$(runs gpt-oss:20b thinks truncated)" "$WORK/m.prom"
check "thinking that contains the expected answer does not count as the answer" \
  grep -Eq "$(runs deepseek-r1:8b thinks mismatch)" "$WORK/m.prom"
check "a truncated run has no correctness value" \
  bash -c "! grep -q 'llmon_bench_last_correct{model=\"qwen3:8b\",ollama=\"a\",prompt=\"thinks\"}' '$WORK/m.prom'"
check "and says why in the log" \
  grep -q 'a qwen3:8b thinks: truncated (num_predict ended the generation before any answer' "$LLMON_LOG"
check "promtool check metrics is clean" promtool_clean "$WORK/m.prom"
stop_llmon TERM

# llmon bench asks the same way.
"$LLMON_BIN" bench --config "$WORK/llmon.toml" --model gpt-oss:20b --prompt default \
  --format json > "$WORK/bench.json" 2>"$WORK/bench.err" || true
check "llmon bench: gpt-oss at its lowest level answers" \
  test "$(jq -r '.models[0].details[0].result' "$WORK/bench.json")" = ok
check "llmon bench sent \"low\"" test "$(sent gpt-oss:20b)" = '["low",true,"low"]'
finish
