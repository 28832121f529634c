# A real systemd for tests: a Debian bookworm tree (systemd 252, dbus), debootstrapped once and
# cached, booted with systemd-nspawn on a throw-away overlay so no test changes the cache.
# Sourced by tests (bash); needs root. Functions (all prefixed nspawn_):
#   nspawn_usable     0 when this machine can boot a container; else prints why (skip) and 1
#   nspawn_tree       prints the cached tree, building it on first use (~80 s, Debian mirror);
#                     1 when it cannot be built (no network: skip)
#   nspawn_boot [NSPAWN-OPTION...]
#                     boots a container, waits for systemd; sets NSPAWN_ROOT (its / as seen
#                     from the host; /run inside is a tmpfs, write there with nspawn_exec) and
#                     NSPAWN_PID (the container's systemd, for nsenter). Options go to
#                     systemd-nspawn, e.g. --private-network (only a loopback of its own).
#                     First cleans up after tests that died without nspawn_stop.
#   nspawn_exec CMD   runs CMD inside, in every namespace of the container's systemd
#   nspawn_copy_in HOST-FILE PATH [MODE]
#                     copies a file in (not under /tmp or /run: tmpfs inside, the copy is hidden)
#   nspawn_wait_state UNIT STATE [SECONDS]
#                     polls `systemctl is-active UNIT` until it prints STATE (default 30 s)
#   nspawn_stop       powers the container off and removes the overlay; safe to call twice
# The functions and NSPAWN_PID are exported, for commands run by `bash -c`.
# Environment: LLMON_NSPAWN_CACHE (default /var/tmp/llmon-nspawn), LLMON_DEBIAN_MIRROR.

NSPAWN_CACHE="${LLMON_NSPAWN_CACHE:-/var/tmp/llmon-nspawn}"
NSPAWN_MIRROR="${LLMON_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
NSPAWN_INCLUDE="systemd,systemd-sysv,dbus"
NSPAWN_ROOT=""
NSPAWN_PID=""
NSPAWN_LEADER=""
NSPAWN_WORK=""

nspawn_usable() {
  local tool
  if [[ "$(id -u)" -ne 0 ]]; then
    echo "SKIP: systemd-nspawn needs root" >&2
    return 1
  fi
  for tool in systemd-nspawn nsenter mount; do
    if ! command -v "$tool" >/dev/null; then
      echo "SKIP: $tool not installed (Debian package systemd-container / util-linux)" >&2
      return 1
    fi
  done
  if ! grep -qw overlay /proc/filesystems && ! modprobe overlay 2>/dev/null; then
    echo "SKIP: no overlay file system" >&2
    return 1
  fi
  # Root inside an unprivileged container cannot make the namespaces nspawn needs.
  if ! unshare --mount --pid --uts --ipc --fork true 2>/dev/null; then
    echo "SKIP: cannot create mount and pid namespaces here (a restricted container?)" >&2
    return 1
  fi
  return 0
}

nspawn_tree() {
  local tree="$NSPAWN_CACHE/bookworm" marker="bookworm minbase +$NSPAWN_INCLUDE"
  mkdir -p "$NSPAWN_CACHE"
  (
    flock 9  # one build at a time, whoever asks
    if [[ "$(cat "$tree/.llmon-nspawn" 2>/dev/null)" == "$marker" ]]; then exit 0; fi
    if ! command -v debootstrap >/dev/null; then
      echo "SKIP: debootstrap not installed" >&2
      exit 1
    fi
    local tmp
    tmp="$(mktemp -d "$NSPAWN_CACHE/build.XXXXXX")"
    echo "building $tree (debootstrap, about 80 s)" >&2
    if ! debootstrap --variant=minbase --include="$NSPAWN_INCLUDE" bookworm "$tmp/tree" \
      "$NSPAWN_MIRROR" >"$tmp/debootstrap.log" 2>&1; then
      echo "SKIP: debootstrap failed (no network?); see $tmp/debootstrap.log" >&2
      exit 1
    fi
    echo "$marker" >"$tmp/tree/.llmon-nspawn"
    rm -rf "$tree"
    mv "$tmp/tree" "$tree"
    rm -rf "$tmp"
  ) 9>"$NSPAWN_CACHE/.lock" || return 1
  echo "$tree"
}

nspawn_boot() {
  local tree i state
  tree="$(nspawn_tree)" || return 1
  _nspawn_reap
  NSPAWN_WORK="$(mktemp -d /var/tmp/llmon-nspawn-run.XXXXXX)"
  mkdir -p "$NSPAWN_WORK"/{upper,work,root}
  mount -t overlay overlay \
    -o "lowerdir=$tree,upperdir=$NSPAWN_WORK/upper,workdir=$NSPAWN_WORK/work" "$NSPAWN_WORK/root"
  NSPAWN_ROOT="$NSPAWN_WORK/root"
  systemd-nspawn --boot --register=no --keep-unit --quiet "$@" -D "$NSPAWN_ROOT" \
    -M "llmon-$$-$RANDOM" </dev/null >"$NSPAWN_WORK/console.log" 2>&1 &
  NSPAWN_LEADER=$!
  echo "$$ $NSPAWN_LEADER" >"$NSPAWN_WORK/owner"
  for i in $(seq 1 300); do
    NSPAWN_PID="$(pgrep -P "$NSPAWN_LEADER" -x systemd | head -1 || true)"
    [[ -n "$NSPAWN_PID" ]] && break
    kill -0 "$NSPAWN_LEADER" 2>/dev/null || break
    sleep 0.1
  done
  if [[ -z "$NSPAWN_PID" ]]; then
    echo "systemd-nspawn did not start systemd:" >&2
    cat "$NSPAWN_WORK/console.log" >&2
    return 1
  fi
  # "offline" until the manager listens on its socket; --wait then waits for the boot's jobs.
  for i in $(seq 1 600); do
    state="$(timeout 120 nsenter -t "$NSPAWN_PID" -a systemctl is-system-running --wait \
      2>/dev/null || true)"
    [[ "$state" == offline || -z "$state" ]] || break
    kill -0 "$NSPAWN_LEADER" 2>/dev/null || break
    sleep 0.1
  done
  if [[ "$state" != running && "$state" != degraded ]]; then
    echo "the container's systemd did not finish booting (state: ${state:-none})" >&2
    return 1
  fi
  export NSPAWN_PID NSPAWN_ROOT
}

# Runs of tests that died without nspawn_stop (a ctest timeout kills the test, not its
# container): stop the container if it still runs, unmount, delete.
_nspawn_reap() {
  local dir owner leader
  for dir in /var/tmp/llmon-nspawn-run.*; do
    [[ -f "$dir/owner" ]] || continue
    read -r owner leader <"$dir/owner"
    kill -0 "$owner" 2>/dev/null && continue
    echo "cleaning up after a test that died ($dir)" >&2
    if [[ "$(cat "/proc/$leader/comm" 2>/dev/null)" == systemd-nspawn ]]; then
      kill -KILL "$leader" 2>/dev/null || true
    fi
    umount "$dir/root" 2>/dev/null || umount -l "$dir/root" 2>/dev/null || true
    rm -rf "$dir"
  done
  return 0
}

# Inside, the host's paths do not exist: a sanitizer build's options (tests/support/
# sanitized_ctest.sh) name a log directory and a suppressions file there. Reports then go to
# stderr, which the test shows, and a report still fails the command that made it.
nspawn_exec() {
  local -a env=()
  [[ -n "${ASAN_OPTIONS:-}" ]] && env+=("ASAN_OPTIONS=halt_on_error=1:detect_leaks=1")
  [[ -n "${UBSAN_OPTIONS:-}" ]] && env+=("UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")
  [[ -n "${TSAN_OPTIONS:-}" ]] && env+=("TSAN_OPTIONS=halt_on_error=1")
  nsenter -t "$NSPAWN_PID" -a env -u ASAN_OPTIONS -u UBSAN_OPTIONS -u TSAN_OPTIONS \
    -u LSAN_OPTIONS "${env[@]}" "$@"
}

nspawn_copy_in() {
  install -D -m "${3:-0644}" "$1" "$NSPAWN_ROOT/$2"
}

nspawn_wait_state() {
  local unit="$1" want="$2" deadline=$(($(date +%s) + ${3:-30})) now=""
  while (($(date +%s) <= deadline)); do
    now="$(nspawn_exec systemctl is-active "$unit" 2>/dev/null || true)"
    [[ "$now" == "$want" ]] && return 0
    sleep 0.1
  done
  echo "$unit is '$now', not '$want', after ${3:-30} s" >&2
  return 1
}

nspawn_stop() {
  local i
  if [[ -n "$NSPAWN_LEADER" ]] && kill -0 "$NSPAWN_LEADER" 2>/dev/null; then
    kill -TERM "$NSPAWN_LEADER" 2>/dev/null || true  # nspawn asks the container to power off
    for i in $(seq 1 300); do
      kill -0 "$NSPAWN_LEADER" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$NSPAWN_LEADER" 2>/dev/null || true
    wait "$NSPAWN_LEADER" 2>/dev/null || true
  fi
  NSPAWN_LEADER=""
  if [[ -n "$NSPAWN_WORK" ]]; then
    umount "$NSPAWN_WORK/root" 2>/dev/null || umount -l "$NSPAWN_WORK/root" 2>/dev/null || true
    rm -rf "$NSPAWN_WORK"
    NSPAWN_WORK=""
  fi
}

export -f nspawn_exec nspawn_copy_in nspawn_wait_state
