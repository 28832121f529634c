#!/usr/bin/env bash
# Per-command help and the manual page, from the real binary: what `llmon CMD --help` and
# `man llmon` show a user.
source "$(dirname "$0")/lib.sh"

status() { "$@" >"$WORK/out" 2>"$WORK/err" && echo 0 || echo $?; }

for cmd in serve check-config collect bench; do
  check "$cmd --help: exit 0, its own usage, options and exit status on stdout" \
    bash -c "[[ $(status "$LLMON_BIN" $cmd --help) == 0 ]] && [[ ! -s '$WORK/err' ]] \
      && grep -q '^usage: llmon $cmd' '$WORK/out' && grep -q '^exit status:' '$WORK/out' \
      && grep -q '^  --help ' '$WORK/out'"
done
check "serve --help states the defaults" \
  bash -c "'$LLMON_BIN' serve --help | tr -s ' \n' ' ' | grep -q 'built in 0.0.0.0:9877'"
check "bench --help lists its options" \
  bash -c "'$LLMON_BIN' bench --help | grep -q -e '--allow-load' && '$LLMON_BIN' bench --help | grep -q -e '--format FORMAT'"
check "help bench is bench --help" \
  bash -c "diff <('$LLMON_BIN' help bench) <('$LLMON_BIN' bench --help)"
check "--help lists every command and points to COMMAND --help" \
  bash -c "'$LLMON_BIN' --help > '$WORK/general' && for c in serve check-config collect bench; do grep -q \"^  \$c \" '$WORK/general' || exit 1; done && grep -q 'llmon COMMAND --help' '$WORK/general'"
check "a wrong option names the command and its help (exit 2)" \
  bash -c "[[ $(status "$LLMON_BIN" collect --listen x) == 2 ]] && grep -q \"unknown option '--listen' for collect (see llmon collect --help)\" '$WORK/err' && grep -q '^usage: llmon collect' '$WORK/err'"

"$LLMON_BIN" --help-man > "$WORK/llmon.1"
check "the manual page renders without a groff warning" \
  bash -c "groff -man -Tutf8 -ww -z '$WORK/llmon.1' 2>'$WORK/groff.err' && [[ ! -s '$WORK/groff.err' ]] || { cat '$WORK/groff.err' >&2; false; }"
# man(1) as lintian runs it: warnings are what lintian reports as manpage-has-errors-from-man.
check "man --warnings is silent on it" \
  bash -c "LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z '$WORK/llmon.1' 2>&1 >/dev/null | grep . >&2 && exit 1 || exit 0"
LC_ALL=C.UTF-8 MANWIDTH=80 man -l "$WORK/llmon.1" 2>/dev/null | col -b > "$WORK/llmon.txt"
for cmd in serve check-config collect bench; do
  for flag in $("$LLMON_BIN" $cmd --help | sed -n 's/^  \(--[a-z-]*\).*/\1/p' | grep -v -x -e --help); do
    check "man page documents $cmd $flag" \
      bash -c "grep -q -- '^       $flag' '$WORK/llmon.txt'"
  done
done
check "man page has every section" \
  bash -c "for s in NAME SYNOPSIS DESCRIPTION COMMANDS FILES 'SEE ALSO'; do grep -q \"^\$s\$\" '$WORK/llmon.txt' || exit 1; done"

finish
