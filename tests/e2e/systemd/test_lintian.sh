#!/usr/bin/env bash
# lintian on the .deb `make package` builds: nothing beyond the tags listed, with reasons, in
# lintian-expected.txt.
set -euo pipefail
: "${LLMON_DEB:?set by ctest}"
here="$(dirname "$0")"
command -v lintian > /dev/null || { echo "SKIP: lintian is not installed (make deps)"; exit 77; }

# lintian refuses to run as root without this, and warns otherwise.
out="$(lintian --allow-root --pedantic -I -E --tag-display-limit 0 "$LLMON_DEB" 2>&1 || true)"
echo "$out"
got="$(echo "$out" | sed -n 's/^\([EWIPX]\): llmon[^:]*: \([a-z0-9.+-]*\).*/\1: \2/p' | sort -u)"
want="$(grep -v '^#' "$here/lintian-expected.txt" | sed '/^$/d' | sort -u)"
if [[ "$got" != "$want" ]]; then
  echo "FAIL: lintian tags differ from lintian-expected.txt (- expected, + found):"
  diff <(echo "$want") <(echo "$got") || true
  exit 1
fi
echo "ok: lintian reports only the $(echo "$want" | wc -l) expected tags"
