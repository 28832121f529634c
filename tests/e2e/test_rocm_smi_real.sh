#!/usr/bin/env bash
# The real Debian librocm_smi64 (5.2.3, package librocm-smi64-1) against the fixture trees: each
# tree is bind-mounted over /sys, and a directory of the test over /dev/shm, in a private mount
# namespace (`unshare -m`), so the library reads the fixture as if it were the machine's GPUs and
# neither the machine's /sys nor its /dev/shm is ever touched. Checked: `llmon collect` with
# backend = "rocm_smi" runs on the Strix Halo and dual-discrete trees, with and without a
# deep-sleep "S:" line (on which the library's clock parser aborts the process), and reports the
# same values as the sysfs backend; a stale library mutex left by a ROCm SMI program that died
# is named in the log, auto falls back to sysfs, and removing the file as advised repairs it.
source "$(dirname "$0")/lib.sh"
: "${LLMON_RSMI_CLIENT:?set by ctest}"
REAL_ROCM_SMI="${LLMON_REAL_ROCM_SMI:-/usr/lib/librocm_smi64.so.1}"

if [[ "$(id -u)" -ne 0 ]]; then
  echo "SKIP: needs root to create a private mount namespace (unshare -m)"
  exit 77
fi
if ! unshare -m --propagation private true 2>/dev/null; then
  echo "SKIP: unshare -m is not permitted here (a container without CAP_SYS_ADMIN?)"
  exit 77
fi
if [[ ! -e "$REAL_ROCM_SMI" ]]; then
  fail "$REAL_ROCM_SMI is missing: install librocm-smi64-1 (make deps does)"
  finish
fi

# in_namespace SYS SHM COMMAND...: runs COMMAND with SYS mounted over /sys and SHM over /dev/shm.
# SHM is a directory of the test rather than a tmpfs so that the library's mutexes persist from
# one run to the next, as they do on a real box, and can be looked at from outside.
in_namespace() {
  unshare -m --propagation private -- bash -c \
    'mount --bind "$1" /sys && mount --bind "$2" /dev/shm && shift 2 && exec "$@"' \
    in_namespace "$@"
}

config() {  # config BACKEND: an llmon.toml reading the GPUs at /sys (inside the namespace)
  cat > "$WORK/$1.toml" <<TOML
[gpu]
backend = "$1"
rocm_smi_library = "$REAL_ROCM_SMI"
sysfs_root = "/sys"
[host]
procfs_root = "$FIXTURES/proc/strix_halo"
$NO_OLLAMA
TOML
  echo "$WORK/$1.toml"
}
ROCM_TOML="$(config rocm_smi)"
SYSFS_TOML="$(config sysfs)"
AUTO_TOML="$(config auto)"

# The GPU values both backends read from the same files: every llmon_gpu_* sample but the
# device count and integrated counters, without the backend label.
gpu_values() {
  grep '^llmon_gpu_' "$1" | grep -v -e '^llmon_gpu_devices' -e '_total{' \
    | sed -E 's/backend="[^"]*",?//' | sort
}

# deep_sleep TREE: the idle tables as kernels print them in deep sleep (levels renumbered).
deep_sleep() {
  local dev
  for dev in $(find "$1/devices" -name pp_dpm_sclk -printf '%h\n'); do
    printf 'S: 24Mhz *\n1: 500Mhz \n2: 2526Mhz \n' > "$dev/pp_dpm_sclk"
    printf 'S: 96Mhz *\n1: 456Mhz \n2: 1249Mhz \n' > "$dev/pp_dpm_mclk"
  done
}

for box in strix_halo dual_discrete; do
  gpus=1
  [[ "$box" == dual_discrete ]] && gpus=2
  for state in busy deep_sleep; do
    dir="$WORK/$box-$state"
    mkdir -p "$dir/shm"
    cp -a "$FIXTURES/sysfs/$box" "$dir/sys"
    [[ "$state" == deep_sleep ]] && deep_sleep "$dir/sys"
    status=0
    in_namespace "$dir/sys" "$dir/shm" "$LLMON_BIN" collect --config "$ROCM_TOML" \
      > "$dir/rocm.prom" 2> "$dir/rocm.log" || status=$?
    check "$box, $state: llmon collect with the real rocm_smi exits 0 (got $status)" \
      test "$status" -eq 0
    check "$box, $state: the real library is used and finds $gpus GPU(s)" \
      grep -q "^llmon_gpu_devices{backend=\"rocm_smi\"} $gpus$" "$dir/rocm.prom"
    check "$box, $state: every GPU has its shader clock" \
      test "$(grep -c '^llmon_gpu_clock_hertz{clock="sclk"' "$dir/rocm.prom")" -eq "$gpus"
    check "$box, $state: promtool check metrics is clean" promtool_clean "$dir/rocm.prom"
    in_namespace "$dir/sys" "$dir/shm" "$LLMON_BIN" collect --config "$SYSFS_TOML" \
      > "$dir/sysfs.prom" 2> "$dir/sysfs.log" || true
    check "$box, $state: the same values as the sysfs backend" \
      diff -u <(gpu_values "$dir/sysfs.prom") <(gpu_values "$dir/rocm.prom")
    if [[ "$FAILURES" -ne 0 ]]; then cat "$dir/rocm.log" >&2; fi
  done
done

# A ROCm SMI program reading clocks on the deep-sleep Strix Halo tree (its GPU is card1): the
# library aborts in its clock parser while holding card1's mutex. This is the crash llmon must never have, and it leaves
# the stale /dev/shm/rocm_smi_card1 behind.
dir="$WORK/strix_halo-deep_sleep"
status=0
in_namespace "$dir/sys" "$dir/shm" "$LLMON_RSMI_CLIENT" "$REAL_ROCM_SMI" clocks \
  > "$dir/client.out" 2>&1 || status=$?
check "the library itself aborts on the deep-sleep line (exit $status, SIGABRT is 134)" \
  test "$status" -eq 134
check "and leaves its mutex file behind" test -e "$dir/shm/rocm_smi_card1"

expect_stale() {  # expect_stale WHAT LOG: the log names the file and says what to do
  check "$1: the log names the stale file" \
    grep -q '/dev/shm/rocm_smi_card1 is a stale ROCm SMI mutex' "$2"
  check "$1: and what to do about it" \
    grep -q 'Make sure no other ROCm SMI program runs.*then remove it: rm /dev/shm/rocm_smi_card1' "$2"
}
start=$(date +%s%N)
in_namespace "$dir/sys" "$dir/shm" "$LLMON_BIN" collect --config "$AUTO_TOML" \
  > "$dir/auto.prom" 2> "$dir/auto.log" || true
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
check "dead owner: auto falls back to sysfs" \
  grep -q '^llmon_gpu_devices{backend="sysfs"} 1$' "$dir/auto.prom"
expect_stale "dead owner, auto" "$dir/auto.log"
check "dead owner: found before rsmi_init, not after its 5 s wait (took ${elapsed_ms} ms)" \
  test "$elapsed_ms" -lt 4000
status=0
in_namespace "$dir/sys" "$dir/shm" "$LLMON_BIN" collect --config "$ROCM_TOML" \
  > "$dir/explicit.prom" 2> "$dir/explicit.log" || status=$?
check "dead owner, explicit rocm_smi: the GPU collectors fail (exit $status)" test "$status" -eq 1
check "dead owner, explicit rocm_smi: no GPU series" \
  bash -c "! grep -q '^llmon_gpu_devices' '$dir/explicit.prom'"
expect_stale "dead owner, explicit rocm_smi" "$dir/explicit.log"

# Another program's rsmi_init "recovers" the dead owner's mutex and keeps it; when that program
# ends without rsmi_shut_down, the mutex stays held by a thread that no longer exists.
in_namespace "$dir/sys" "$dir/shm" "$LLMON_RSMI_CLIENT" "$REAL_ROCM_SMI" leave \
  > "$dir/client2.out" 2>&1 || true
in_namespace "$dir/sys" "$dir/shm" "$LLMON_BIN" collect --config "$AUTO_TOML" \
  > "$dir/auto2.prom" 2> "$dir/auto2.log" || true
check "vanished holder: auto falls back to sysfs" \
  grep -q '^llmon_gpu_devices{backend="sysfs"} 1$' "$dir/auto2.prom"
check "vanished holder: the log says its holder no longer exists" \
  grep -q 'which no longer exists' "$dir/auto2.log"
expect_stale "vanished holder" "$dir/auto2.log"

# Doing what the log says repairs it.
rm "$dir/shm/rocm_smi_card1"
status=0
in_namespace "$dir/sys" "$dir/shm" "$LLMON_BIN" collect --config "$ROCM_TOML" \
  > "$dir/repaired.prom" 2> "$dir/repaired.log" || status=$?
check "after removing the file, rocm_smi works again (exit $status)" \
  grep -q '^llmon_gpu_devices{backend="rocm_smi"} 1$' "$dir/repaired.prom"
finish
