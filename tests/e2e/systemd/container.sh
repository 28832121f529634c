# A Debian bookworm container booted with a real systemd, for end-to-end tests of llmon as a
# service. Sourced, never run; see README.md in this directory for the functions and a
# complete example. Needs root, debootstrap, systemd-nspawn (systemd-container), overlayfs.
#
# The bookworm tree is made once by debootstrap (minutes) and cached read-only; every boot
# runs on an overlay of it, so tests never change it and can run in parallel. The container
# has a private network (only its own loopback): ports never clash with the host's, and apt
# inside installs from .debs fetched into the cache beforehand (container_prefetch).

# Where the cached tree lives. /var/cache, not the build directory: `make clean` wipes build
# directories, and one tree serves every checkout on the machine.
CONTAINER_CACHE="${LLMON_CONTAINER_CACHE:-/var/cache/llmon-e2e}"
CONTAINER_MIRROR="${LLMON_CONTAINER_MIRROR:-http://deb.debian.org/debian}"
# What the tree has besides minbase: systemd as init, D-Bus (systemctl, busctl, llmon's
# D-Bus reads), curl for the tests. Nothing llmon's package depends on: apt must fetch those.
CONTAINER_PACKAGES="systemd,systemd-sysv,dbus,curl"
# Changing the package list or the recipe below makes a new tree (the name is its hash).
CONTAINER_RECIPE_VERSION=1
# Where the overlays of running containers live.
_CONTAINER_RUNS="${TMPDIR:-/var/tmp}"

CONTAINER_PID=""       # the container's systemd (pid 1 inside), on the host's pid namespace
CONTAINER_ROOT=""      # its root file system as the host sees it (copy files in here)
CONTAINER_NAME=""
_CONTAINER_RUN=""      # overlay upper/work/merged and the nspawn log
_CONTAINER_NSPAWN=""   # pid of systemd-nspawn
_CONTAINER_LOCK_FD=""  # shared lock on the cache while booted

_container_log() { echo "container: $*" >&2; }

# container_require: exits 77 (ctest's SKIP_RETURN_CODE) with the reason when this machine
# cannot boot a container.
container_require() {
  local missing=""
  [[ "$(id -u)" -eq 0 ]] || { echo "SKIP: needs root (systemd-nspawn, overlay mounts)"; exit 77; }
  for tool in debootstrap systemd-nspawn nsenter flock; do
    command -v "$tool" > /dev/null || missing="$missing $tool"
  done
  if [[ -n "$missing" ]]; then
    echo "SKIP: missing$missing (apt-get install debootstrap systemd-container; make deps)"
    exit 77
  fi
  grep -qw overlay /proc/filesystems || modprobe overlay 2> /dev/null \
    || { echo "SKIP: the kernel has no overlayfs"; exit 77; }
  # Root inside an unprivileged container cannot make the namespaces nspawn needs.
  unshare --mount --pid --uts --ipc --fork true 2> /dev/null \
    || { echo "SKIP: cannot create mount and pid namespaces here (a restricted container?)"; exit 77; }
}

_container_tree() {
  local key
  key="$(printf '%s|%s|%s' "$CONTAINER_PACKAGES" "$CONTAINER_MIRROR" "$CONTAINER_RECIPE_VERSION" \
    | sha256sum | cut -c1-12)"
  echo "$CONTAINER_CACHE/bookworm-$key"
}

# container_rootfs: makes the cached tree if needed (one debootstrap, under a lock so
# parallel tests wait for it instead of racing) and prints its path.
container_rootfs() {
  local tree fd
  tree="$(_container_tree)"
  mkdir -p "$CONTAINER_CACHE"
  [[ -f "$tree/.llmon-complete" ]] && { echo "$tree"; return 0; }
  exec {fd}> "$CONTAINER_CACHE/.lock"
  flock -x "$fd"
  if [[ ! -f "$tree/.llmon-complete" ]]; then
    _container_log "debootstrap bookworm into $tree (once; takes a few minutes)"
    rm -rf "$tree.tmp"
    if ! debootstrap --variant=minbase --include="$CONTAINER_PACKAGES" bookworm "$tree.tmp" \
      "$CONTAINER_MIRROR" > "$CONTAINER_CACHE/debootstrap.log" 2>&1; then
      tail -20 "$CONTAINER_CACHE/debootstrap.log" >&2
      exec {fd}>&-
      return 1
    fi
    # A machine id, so journald and D-Bus behave as on an installed system; no getty on the
    # console nspawn gives us.
    systemd-machine-id-setup --root="$tree.tmp" > /dev/null
    ln -sf /dev/null "$tree.tmp/etc/systemd/system/console-getty.service"
    touch "$tree.tmp/.llmon-complete"
    mv "$tree.tmp" "$tree"
  fi
  exec {fd}>&-
  echo "$tree"
}

# apt in a booted container: no questions, Recommends as on a default install.
_container_apt_config() {
  cat << 'APT'
APT::Install-Recommends "true";
APT::Get::Assume-Yes "true";
Dpkg::Use-Pty "false";
// Never ask about a changed conffile (there is no terminal): keep the admin's version.
Dpkg::Options { "--force-confdef"; "--force-confold"; };
quiet "1";
APT
}

# container_prefetch DEB...: puts the .debs that installing DEB (with its Recommends) needs
# into the cached tree's apt archive, so `apt-get install` in a container works offline.
# Uses the network only when something is missing. Call it before container_boot: fetching
# waits until no container runs on the tree (the tree is an overlay's lower layer then).
container_prefetch() {
  local tree fd deb binds=() args=() missing log="$CONTAINER_CACHE/prefetch.log"
  tree="$(container_rootfs)" || return 1
  for deb in "$@"; do
    binds+=("--bind-ro=$(realpath "$deb"):/tmp/prefetch/$(basename "$deb")")
    args+=("/tmp/prefetch/$(basename "$deb")")
  done
  exec {fd}> "$CONTAINER_CACHE/.lock"
  flock -s "$fd"
  # --print-uris lists what is not in the archive yet (and the local DEBs, as file: URIs);
  # read-only, so no lock is needed.
  if ! missing="$(_container_run_in "$tree" --read-only "${binds[@]}" -- \
    apt-get -o Debug::NoLocking=1 --print-uris -qq install "${args[@]}" 2> "$log")"; then
    cat "$log" >&2
    exec {fd}>&-
    return 1
  fi
  missing="$(echo "$missing" | grep -v "^'file:" || true)"
  if [[ -n "$missing" ]]; then
    flock -u "$fd"
    flock -x "$fd"
    _container_log "fetching into the cached tree:" \
      "$(echo "$missing" | awk '{print $2}' | tr '\n' ' ')"
    if ! { _container_run_in "$tree" "${binds[@]}" -- apt-get update > "$log" 2>&1 \
      && _container_run_in "$tree" "${binds[@]}" -- apt-get install --download-only "${args[@]}" \
        >> "$log" 2>&1; }; then
      cat "$log" >&2
      exec {fd}>&-
      return 1
    fi
    # apt copies the local DEBs into the archive too; a stale copy there would shadow the
    # DEB a later test installs.
    for deb in "$@"; do rm -f "$tree/var/cache/apt/archives/$(basename "$deb")"; done
  fi
  exec {fd}>&-
}

# One command in the tree itself (not booted), with the host's network.
_container_run_in() {
  local tree="$1"
  shift
  local opts=()
  while [[ "$1" != "--" ]]; do opts+=("$1"); shift; done
  shift
  systemd-nspawn --quiet --register=no --keep-unit -D "$tree" "${opts[@]}" --pipe \
    env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@"
}

# container_boot NAME: boots systemd on an overlay of the cached tree and waits until it is
# up (systemctl is-system-running --wait). Sets CONTAINER_PID, CONTAINER_ROOT, CONTAINER_NAME.
# Call container_stop when done (from an EXIT trap).
container_boot() {
  local name="$1" tree i state
  tree="$(container_rootfs)" || return 1
  _container_reap
  CONTAINER_NAME="$name"
  _CONTAINER_RUN="$(mktemp -d "$_CONTAINER_RUNS/llmon-container.XXXXXX")"
  mkdir -p "$_CONTAINER_RUN"/{upper,work,root}
  exec {_CONTAINER_LOCK_FD}> "$CONTAINER_CACHE/.lock"
  flock -s "$_CONTAINER_LOCK_FD"
  mount -t overlay overlay \
    -o "lowerdir=$tree,upperdir=$_CONTAINER_RUN/upper,workdir=$_CONTAINER_RUN/work" \
    "$_CONTAINER_RUN/root" || return 1
  CONTAINER_ROOT="$_CONTAINER_RUN/root"
  _container_apt_config > "$CONTAINER_ROOT/etc/apt/apt.conf.d/90llmon-e2e"
  # --console=passive: nspawn leaves the test's terminal alone; its own messages go to a log.
  systemd-nspawn --boot --register=no --keep-unit --private-network --quiet --console=passive \
    -M "$name" -D "$CONTAINER_ROOT" < /dev/null > "$_CONTAINER_RUN/console.log" 2>&1 &
  _CONTAINER_NSPAWN=$!
  echo "$$ $_CONTAINER_NSPAWN" > "$_CONTAINER_RUN/owner"
  for i in $(seq 1 200); do
    CONTAINER_PID="$(_container_child "$_CONTAINER_NSPAWN")"
    [[ -n "$CONTAINER_PID" ]] && break
    kill -0 "$_CONTAINER_NSPAWN" 2> /dev/null || break
    sleep 0.05
  done
  if [[ -z "$CONTAINER_PID" ]]; then
    _container_log "systemd-nspawn did not start:"
    cat "$_CONTAINER_RUN/console.log" >&2
    return 1
  fi
  for i in $(seq 1 600); do
    state="$(container_exec systemctl is-system-running 2> /dev/null || true)"
    if [[ "$state" == running || "$state" == degraded ]]; then
      export CONTAINER_PID CONTAINER_ROOT
      return 0
    fi
    sleep 0.1
  done
  _container_log "systemd did not finish booting (state: $state)"
  return 1
}

# Overlays of tests that died without container_stop (killed by a ctest timeout): stop their
# container if it still runs, unmount, delete.
_container_reap() {
  local dir owner nspawn
  for dir in "$_CONTAINER_RUNS"/llmon-container.*; do
    [[ -f "$dir/owner" ]] || continue
    read -r owner nspawn < "$dir/owner"
    kill -0 "$owner" 2> /dev/null && continue
    _container_log "cleaning up after a test that died ($dir)"
    if [[ "$(cat /proc/"$nspawn"/comm 2> /dev/null)" == systemd-nspawn ]]; then
      kill -KILL "$nspawn" 2> /dev/null || true
    fi
    mountpoint -q "$dir/root" && umount -l "$dir/root"
    rm -rf "$dir"
  done
  return 0
}

# The container's init: the child of systemd-nspawn whose comm is "systemd".
_container_child() {
  local child
  for child in $(cat /proc/"$1"/task/*/children 2> /dev/null); do
    [[ "$(cat /proc/"$child"/comm 2> /dev/null)" == systemd ]] && { echo "$child"; return 0; }
  done
  return 0
}

# container_exec CMD...: runs CMD inside the container (all its namespaces, a clean
# environment), stdin/stdout/stderr passed through, its exit status returned.
container_exec() {
  nsenter -t "$CONTAINER_PID" -a -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
    LANG=C.UTF-8 SYSTEMD_PAGER= SYSTEMD_COLORS=0 DEBIAN_FRONTEND=noninteractive "$@"
}

# container_copy_in HOST_PATH CONTAINER_PATH [MODE]: copies a file in.
container_copy_in() {
  install -D -m "${3:-0644}" "$1" "$CONTAINER_ROOT/$2"
}

# container_wait_state UNIT STATE [SECONDS]: polls `systemctl is-active UNIT` until it prints
# STATE (active, failed, activating, ...).
container_wait_state() {
  local unit="$1" want="$2" deadline=$(($(date +%s) + ${3:-30})) now
  while (($(date +%s) <= deadline)); do
    now="$(container_exec systemctl is-active "$unit" 2> /dev/null || true)"
    [[ "$now" == "$want" ]] && return 0
    sleep 0.1
  done
  _container_log "$unit is '$now', not '$want', after ${3:-30} s"
  return 1
}

# container_journal UNIT: the unit's journal (for failure messages).
container_journal() { container_exec journalctl -u "$1" --no-pager -o short-monotonic "${@:2}"; }

# container_stop: powers the container off (SIGTERM to nspawn), unmounts the overlay and
# deletes it. Safe to call twice, or when container_boot failed half-way.
container_stop() {
  local i
  if [[ -n "$_CONTAINER_NSPAWN" ]] && kill -0 "$_CONTAINER_NSPAWN" 2> /dev/null; then
    kill -TERM "$_CONTAINER_NSPAWN" 2> /dev/null || true
    for i in $(seq 1 200); do
      kill -0 "$_CONTAINER_NSPAWN" 2> /dev/null || break
      sleep 0.05
    done
    kill -KILL "$_CONTAINER_NSPAWN" 2> /dev/null || true
    wait "$_CONTAINER_NSPAWN" 2> /dev/null || true
  fi
  _CONTAINER_NSPAWN=""
  CONTAINER_PID=""
  if [[ -n "$_CONTAINER_RUN" ]]; then
    mountpoint -q "$_CONTAINER_RUN/root" && umount "$_CONTAINER_RUN/root"
    rm -rf "$_CONTAINER_RUN"
    _CONTAINER_RUN=""
  fi
  if [[ -n "$_CONTAINER_LOCK_FD" ]]; then
    exec {_CONTAINER_LOCK_FD}>&-
    _CONTAINER_LOCK_FD=""
  fi
}

# container_install_ollama FAKE_OLLAMA SCENARIO: the stand-in ollama.service of fixtures/
# (user ollama, the fake server installed as /usr/local/bin/ollama on 127.0.0.1:11434, a
# drop-in with OLLAMA_* settings), started and active. The fake needs libboost-json1.81.0
# and libtomlplusplus3 in the container: install llmon's package first, which brings them.
container_install_ollama() {
  local here
  here="$(dirname "${BASH_SOURCE[0]}")"
  # As Ollama's install.sh does it: a system user with its home (the model store) in /usr/share.
  container_exec adduser --system --group --home /usr/share/ollama --quiet ollama
  container_copy_in "$1" /usr/local/bin/ollama 0755
  container_copy_in "$2" /usr/local/share/ollama/scenario.toml
  container_copy_in "$here/fixtures/ollama.service" /etc/systemd/system/ollama.service
  container_copy_in "$here/fixtures/ollama.service.d/override.conf" \
    /etc/systemd/system/ollama.service.d/override.conf
  container_exec systemctl daemon-reload
  container_exec systemctl enable --now --quiet ollama.service
  container_wait_state ollama.service active
}

# For commands a test runs in a child shell (lib.sh's check runs `bash -c "..."`).
export -f container_exec container_copy_in container_wait_state container_journal _container_log
