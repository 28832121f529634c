#!/usr/bin/env bash
# `make install` as a user would run it: PREFIX and DESTDIR, what lands where, and a unit
# that points at the installed binary and configuration.
set -euo pipefail
: "${LLMON_BUILD_DIR:?set by ctest}" "${LLMON_SOURCE_DIR:?set by ctest}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/llmon-install.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
FAILURES=0
check() {
  local what="$1"
  shift
  if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; FAILURES=$((FAILURES + 1)); fi
}

# The same command `make install PREFIX=... DESTDIR=...` runs.
make -s -C "$LLMON_SOURCE_DIR" -n install BUILD_DIR="$LLMON_BUILD_DIR" PREFIX=/opt/llmon \
  | grep -q -- '--install' || { echo "FAIL: make install does not run cmake --install"; exit 1; }
DESTDIR="$WORK/opt" cmake --install "$LLMON_BUILD_DIR" --prefix /opt/llmon --strip > /dev/null
R="$WORK/opt/opt/llmon"
check "PREFIX/bin/llmon runs" "$R/bin/llmon" --version
check "and is stripped" bash -c "! readelf -S '$R/bin/llmon' | grep -q -e '\.debug_info' -e '\.comment'"
check "the unit goes to PREFIX/lib/systemd/system" test -f "$R/lib/systemd/system/llmon.service"
check "the configuration goes to PREFIX/etc/llmon" test -f "$R/etc/llmon/llmon.toml"
check "the unit runs PREFIX/bin/llmon with the configuration under PREFIX" \
  grep -qx 'ExecStart=/opt/llmon/bin/llmon serve --config /opt/llmon/etc/llmon/llmon.toml' \
  "$R/lib/systemd/system/llmon.service"
check "the TLS plugin goes to PREFIX/lib/llmon, stripped" \
  bash -c "readelf -h '$R/lib/llmon/llmon-tls.so' > /dev/null && ! readelf -S '$R/lib/llmon/llmon-tls.so' | grep -q -e '\.debug_info' -e '\.comment'"
# The installed binary finds the installed plugin from its own place (no $LLMON_TLS_PLUGIN):
# check-config loads the certificate through it.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=t \
  -keyout "$WORK/t.key" -out "$WORK/t.pem" 2> /dev/null
printf '[web.tls]\ncert_file = "t.pem"\nkey_file = "t.key"\n' > "$WORK/tls.toml"
check "the installed llmon loads its installed TLS plugin" \
  env -u LLMON_TLS_PLUGIN "$R/bin/llmon" check-config "$WORK/tls.toml"
check "the man page is installed, compressed" test -f "$R/share/man/man1/llmon.1.gz"
check "the man page is llmon --help-man" \
  bash -c "diff <(zcat '$R/share/man/man1/llmon.1.gz') <('$R/bin/llmon' --help-man)"
check "the docs and the example drop-in are installed" \
  test -f "$R/share/doc/llmon/README.md" -a -f "$R/share/doc/llmon/deployment.md" \
  -a -f "$R/share/doc/llmon/examples/llmon.service.d/read-ollama-environment.conf"
for dir in grafana prometheus; do
  if [[ -d "$LLMON_SOURCE_DIR/$dir" ]]; then
    check "$dir/ is installed under PREFIX/share/llmon (without its tests)" \
      diff -r -x tests "$LLMON_SOURCE_DIR/$dir" "$R/share/llmon/$dir"
    check "$dir/tests/ is not installed" test ! -e "$R/share/llmon/$dir/tests"
  else
    check "no $dir/ in the tree: nothing installed for it" test ! -e "$R/share/llmon/$dir"
  fi
done
check "nothing outside DESTDIR/PREFIX" \
  bash -c "[[ -z \$(find '$WORK/opt' -mindepth 1 -maxdepth 1 ! -name opt) ]] && [[ \$(ls '$WORK/opt/opt') == llmon ]]"

# PREFIX=/usr, as the package has it: the configuration is /etc/llmon/llmon.toml, which llmon
# reads by default, so the unit names no --config.
DESTDIR="$WORK/usr" cmake --install "$LLMON_BUILD_DIR" --prefix /usr > /dev/null
check "PREFIX=/usr: the configuration is /etc/llmon/llmon.toml" \
  cmp "$WORK/usr/etc/llmon/llmon.toml" "$LLMON_SOURCE_DIR/etc/llmon.toml"
check "PREFIX=/usr: ExecStart=/usr/bin/llmon serve" \
  grep -qx 'ExecStart=/usr/bin/llmon serve' "$WORK/usr/usr/lib/systemd/system/llmon.service"
check "PREFIX=/usr: the installed unit is the shipped systemd/llmon.service" \
  cmp "$WORK/usr/usr/lib/systemd/system/llmon.service" "$LLMON_SOURCE_DIR/systemd/llmon.service"

[[ "$FAILURES" -eq 0 ]] || { echo "$FAILURES check(s) failed"; exit 1; }
echo "all checks passed"
