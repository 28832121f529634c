#!/usr/bin/env bash
# The command line as a user meets it: version, help, usage errors, check-config, collect.
source "$(dirname "$0")/lib.sh"

status() { "$@" >"$WORK/out" 2>"$WORK/err" && echo 0 || echo $?; }

check "--version exits 0 and names llmon" \
  bash -c "[[ $(status "$LLMON_BIN" --version) == 0 ]] && grep -q '^llmon ' '$WORK/out'"
check "--help exits 0 and lists the commands" \
  bash -c "[[ $(status "$LLMON_BIN" --help) == 0 ]] && grep -q check-config '$WORK/out'"
check "an unknown command prints usage and exits 2" \
  bash -c "[[ $(status "$LLMON_BIN" frobnicate) == 2 ]] && grep -q 'usage: llmon' '$WORK/err'"
check "an unknown option prints usage and exits 2" \
  bash -c "[[ $(status "$LLMON_BIN" serve --bogus) == 2 ]] && grep -q \"unknown option '--bogus'\" '$WORK/err'"
check "no command prints usage and exits 2" bash -c "[[ $(status "$LLMON_BIN") == 2 ]]"

check "check-config accepts the shipped etc/llmon.toml" \
  bash -c "[[ $(status "$LLMON_BIN" check-config "$LLMON_SOURCE_DIR/etc/llmon.toml") == 0 ]] && grep -q 'sample_interval = \"1s\"' '$WORK/out'"

printf '[gpu]\nsysfs_rot = "/x"\n' > "$WORK/typo.toml"
check "check-config rejects a typo with its location and a suggestion (exit 2)" \
  bash -c "[[ $(status "$LLMON_BIN" check-config "$WORK/typo.toml") == 2 ]] && grep -qF \"$WORK/typo.toml:2:1: unknown key 'gpu.sysfs_rot' (did you mean 'gpu.sysfs_root'?)\" '$WORK/err'"
check "check-config on a missing file exits 2" \
  bash -c "[[ $(status "$LLMON_BIN" check-config "$WORK/none.toml") == 2 ]]"
check "serve refuses a bad configuration with exit 2" \
  bash -c "[[ $(status "$LLMON_BIN" serve --config "$WORK/typo.toml") == 2 ]] && grep -q 'refusing to start' '$WORK/err'"
check "serve refuses an explicitly named missing file with exit 2" \
  bash -c "[[ $(status "$LLMON_BIN" serve --config "$WORK/none.toml") == 2 ]]"
check "serve refuses a bad --log-level with exit 2" \
  bash -c "[[ $(status "$LLMON_BIN" serve --log-level loud) == 2 ]]"

cat > "$WORK/fixture.toml" <<TOML
[gpu]
backend = "sysfs"
sysfs_root = "$FIXTURES/sysfs/strix_halo"
[host]
procfs_root = "$FIXTURES/proc/strix_halo"
$NO_OLLAMA
TOML
"$LLMON_BIN" collect --config "$WORK/fixture.toml" >"$WORK/collect.prom" 2>"$WORK/collect.err" \
  || fail "collect exited non-zero: $(cat "$WORK/collect.err")"
check "collect prints GPU and host metrics" \
  grep -q '^llmon_gpu_devices{backend="sysfs"} 1$' "$WORK/collect.prom"
check "collect output passes promtool check metrics" promtool_clean "$WORK/collect.prom"
check "collect keeps stdout for metrics only" bash -c "! grep -qv -e '^#' -e '^[a-z_]' '$WORK/collect.prom'"

finish
