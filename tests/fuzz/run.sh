#!/usr/bin/env bash
# Runs the libFuzzer targets for a while each (`make fuzz`): new corpus entries go to
# BUILD/fuzz-work/<target>/corpus, crash inputs to BUILD/fuzz-work/<target>/artifacts; the
# committed seeds in tests/fuzz/corpus/ are read, never written.
#   run.sh [--build DIR] [--seconds N] [--jobs N] [target...]   (default: every target, 60 s)
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=build-fuzz
SECONDS_EACH=60
JOBS=1
TARGETS=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build) BUILD="$2"; shift 2 ;;
    --seconds) SECONDS_EACH="$2"; shift 2 ;;
    --jobs) JOBS="$2"; shift 2 ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) TARGETS+=("$1"); shift ;;
  esac
done
LIST="$BUILD/fuzz/targets.txt"
[[ -f "$LIST" ]] || { echo "no $LIST: run make fuzz-build first" >&2; exit 2; }

declare -A DICT
while read -r name dict; do DICT[$name]="$dict"; done < "$LIST"
if [[ ${#TARGETS[@]} -eq 0 ]]; then mapfile -t TARGETS < <(cut -d' ' -f1 "$LIST"); fi

failed=()
for name in "${TARGETS[@]}"; do
  [[ -v DICT[$name] ]] || { echo "unknown fuzz target: $name" >&2; exit 2; }
  work="$BUILD/fuzz-work/$name"
  mkdir -p "$work/corpus" "$work/artifacts"
  args=(-max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=1024 -malloc_limit_mb=256
        -print_final_stats=1 -artifact_prefix="$work/artifacts/")
  [[ -n "${DICT[$name]}" ]] && args+=(-dict="tests/fuzz/dict/${DICT[$name]}")
  if [[ "$JOBS" -gt 1 ]]; then args+=(-fork="$JOBS" -ignore_crashes=1); fi
  echo "=== fuzz_$name: ${SECONDS_EACH}s ==="
  touch "$work/.started"
  if ! "$BUILD/fuzz/fuzz_$name" "${args[@]}" "$work/corpus" "tests/fuzz/corpus/$name" \
      > "$work/last.log" 2>&1; then
    failed+=("$name")
    tail -n 40 "$work/last.log"
  elif [[ -n "$(find "$work/artifacts" -type f -newer "$work/.started" | head -n 1)" ]]; then
    failed+=("$name")  # fork mode with -ignore_crashes: the run goes on, the inputs stay
    echo "new inputs in $work/artifacts:"; find "$work/artifacts" -type f -newer "$work/.started"
  fi
  grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb|^#[0-9]+.*DONE' "$work/last.log" || true
  echo "corpus: $(find "$work/corpus" -type f | wc -l) entries; log: $work/last.log"
done
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "crashed: ${failed[*]} (inputs in $BUILD/fuzz-work/<target>/artifacts)" >&2
  exit 1
fi
