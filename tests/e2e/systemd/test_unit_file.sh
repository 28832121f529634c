#!/usr/bin/env bash
# The shipped unit, checked offline on this machine (seconds, no container): systemd's own
# lint (systemd-analyze verify), its exposure score, and a line in docs/deployment.md for
# every setting. test_service.sh checks the same unit under a real systemd.
set -euo pipefail
: "${LLMON_BIN:?set by ctest}" "${LLMON_SOURCE_DIR:?set by ctest}"
command -v systemd-analyze > /dev/null || { echo "SKIP: no systemd-analyze (systemd)"; exit 77; }
UNIT="$LLMON_SOURCE_DIR/systemd/llmon.service"
DROPIN="$LLMON_SOURCE_DIR/systemd/llmon.service.d/read-ollama-environment.conf"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/llmon-unit.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
FAILURES=0
check() {
  local what="$1"
  shift
  if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; FAILURES=$((FAILURES + 1)); fi
}

# verify wants ExecStart= to exist and man pages installed: point it at the build's binary,
# leave the man page to the container test (which installs it).
sed "s|^ExecStart=/usr/bin/llmon|ExecStart=$LLMON_BIN|" "$UNIT" > "$WORK/llmon.service"
check "systemd-analyze verify: no complaint" \
  bash -c "out=\$(systemd-analyze verify --man=no '$WORK/llmon.service' 2>&1); [[ -z \"\$out\" ]] || { echo \"\$out\"; false; }"

# exposure N.N from `systemd-analyze security --offline=yes FILE`.
exposure() {
  systemd-analyze security --offline=yes "$1" 2>&1 | tee "$WORK/security.txt" \
    | sed -n 's/.*Overall exposure level for [^ ]*: \([0-9.]*\) .*/\1/p'
}
score="$(exposure "$WORK/llmon.service")"
echo "systemd-analyze security --offline=yes: $score"
grep '✗' "$WORK/security.txt" || true
check "exposure $score is at most 2.0" awk -v s="$score" 'BEGIN { exit !(s != "" && s <= 2.0) }'

# The drop-in merged in (later assignments win, as in a real drop-in).
cat "$WORK/llmon.service" > "$WORK/with-dropin.service"
grep -v '^#' "$DROPIN" >> "$WORK/with-dropin.service"
score="$(exposure "$WORK/with-dropin.service")"
echo "with read-ollama-environment.conf: $score"
check "with the read-ollama-environment drop-in, exposure $score is at most 2.0" \
  awk -v s="$score" 'BEGIN { exit !(s != "" && s <= 2.0) }'

# Every setting of the unit and the drop-in is explained in docs/deployment.md.
for key in $(grep -h -o '^[A-Z][A-Za-z]*=' "$UNIT" "$DROPIN" | sort -u); do
  check "docs/deployment.md explains $key" grep -q "\`$key" "$LLMON_SOURCE_DIR/docs/deployment.md"
done

[[ "$FAILURES" -eq 0 ]] || { echo "$FAILURES check(s) failed"; exit 1; }
echo "all checks passed"
