#!/usr/bin/env bash
# Regenerates the fixture-derived seeds in tests/fuzz/corpus/ from tests/fixtures and from what
# the fake Ollama answers for the fixture scenarios. Seeds written by hand (and crash inputs kept
# as regression seeds) are left alone. Usage: seed_corpus.sh [BUILD_DIR with fake_ollama]
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD="${1:-build}"
FIX=tests/fixtures
OUT=tests/fuzz/corpus

copy() {  # copy <target> <file>...: each file as fixture-<its path, / as _>
  local target="$1"
  shift
  mkdir -p "$OUT/$target"
  for f in "$@"; do cp "$f" "$OUT/$target/fixture-$(echo "${f#$FIX/}" | tr '/:' '__')"; done
}

copy pp_dpm $(find "$FIX/sysfs" -name 'pp_dpm_*' | sort)
copy sysfs_values $(find "$FIX/sysfs" -type f \( -name vendor -o -name device -o -name 'temp*_input' \
  -o -name 'power1_*' -o -name 'mem_info_*' -o -name gpu_busy_percent -o -name unique_id \) | sort | head -n 40)
copy proc_meminfo "$FIX"/proc/*/meminfo
copy proc_stat $(find "$FIX/procfs" -type f \( -name stat -o -name limits \) | sort)
copy proc_net_tcp $(find "$FIX/procfs" -type f \( -name tcp -o -name tcp6 \) | sort)
copy proc_cmdline $(find "$FIX/procfs" -type f \( -name cmdline -o -name status \) | sort)
copy config etc/llmon.toml
copy unit_file systemd/llmon.service systemd/llmon.service.d/*.conf \
  tests/e2e/systemd/fixtures/ollama.service tests/e2e/systemd/fixtures/ollama.service.d/*.conf \
  tests/e2e/systemd/fixtures/relaxed.conf
# KFD: every node of a fixture tree in one input, separated by form feeds (see kfd_properties.cpp).
mkdir -p "$OUT/kfd_properties"
for tree in "$FIX"/sysfs/*/; do
  name=$(basename "$tree")
  : > "$OUT/kfd_properties/fixture-$name"
  for p in $(find "$tree" -type f -path '*topology/nodes/*/properties' | sort); do
    cat "$p" >> "$OUT/kfd_properties/fixture-$name"
    printf '\f' >> "$OUT/kfd_properties/fixture-$name"
  done
done

# Ollama: the fake's answers to every route llmon reads, for each fixture scenario.
FAKE="$BUILD/tests/support/fake_ollama/fake_ollama"
[[ -x "$FAKE" ]] || { echo "no $FAKE: build first (make build)" >&2; exit 2; }
for scenario in "$FIX"/ollama/*.toml; do
  s=$(basename "$scenario" .toml)
  log=$(mktemp)
  "$FAKE" --scenario "$scenario" --listen 127.0.0.1:0 2>"$log" &
  pid=$!
  for _ in $(seq 100); do grep -q listening "$log" && break; sleep 0.05; done
  url="http://$(sed -n 's/.*listening on //p' "$log" | head -n1)"
  mkdir -p "$OUT"/{ollama_version,ollama_ps,ollama_tags,ollama_show,ollama_stream,rfc3339,http_response}
  curl -sf "$url/api/version" > "$OUT/ollama_version/fake-$s" || true
  curl -sf "$url/api/ps" > "$OUT/ollama_ps/fake-$s" || true
  curl -sf "$url/api/tags" > "$OUT/ollama_tags/fake-$s" || true
  grep -ho '"expires_at":"[^"]*"\|"modified_at":"[^"]*"' "$OUT/ollama_ps/fake-$s" \
    "$OUT/ollama_tags/fake-$s" | head -n 3 | cut -d'"' -f4 | while read -r t; do
    printf '%s' "$t" > "$OUT/rfc3339/fake-$s-$(echo "$t" | tr -c '0-9A-Za-z' _)"
  done
  models=$(jq -r '.models[].name' "$OUT/ollama_tags/fake-$s" | head -n 4)
  i=0
  for m in $models; do
    curl -sf "$url/api/show" -d "{\"model\":\"$m\"}" > "$OUT/ollama_show/fake-$s-$i" || true
    # Leading byte: the stream target's piece-size byte (see ollama_stream.cpp).
    { printf '\x10'; curl -sf "$url/api/generate" -d "{\"model\":\"$m\",\"prompt\":\"hi\",\"options\":{\"num_predict\":8}}"; } \
      > "$OUT/ollama_stream/fake-$s-generate-$i" || true
    { printf '\x83'; curl -sf "$url/api/chat" -d "{\"model\":\"$m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"options\":{\"num_predict\":8}}"; } \
      > "$OUT/ollama_stream/fake-$s-chat-$i" || true
    i=$((i + 1))
  done
  # Whole responses, head and all, as HttpClient reads them (--raw keeps the chunking), from one
  # scenario: the others answer with the same framing. Two leading bytes: the http_response
  # target's read size and options (see http_response.cpp).
  if [[ "$s" == strix_halo ]]; then
    raw() {  # raw <name> <leading bytes> <curl arguments>...
      local name="$1" lead="$2"
      shift 2
      { printf "$lead"; curl -s --raw "$@"; } > "$OUT/http_response/fake-$s-$name" || true
    }
    raw ps '\x00\x00' -i "$url/api/ps"
    raw generate '\x10\x08' -i "$url/api/generate" \
      -d "{\"model\":\"$(echo "$models" | head -n 1)\",\"prompt\":\"hi\",\"options\":{\"num_predict\":8}}"
    raw not_found '\x07\x00' -i "$url/api/show" -d '{"model":"missing:latest"}'
    raw no_route '\x00\x00' -i "$url/api/unknown"
    raw head '\x03\x01' -I "$url/api/version"
  fi
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  rm -f "$log"
done
find "$OUT" -type f -empty -delete
echo "seeds: $(find "$OUT" -type f | wc -l) files, $(du -sh "$OUT" | cut -f1)"
