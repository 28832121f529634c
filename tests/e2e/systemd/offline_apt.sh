# apt inside an nspawn.sh container without network (nspawn_boot --private-network, so that
# its ports never clash with the host's). Sourced after nspawn.sh. Functions:
#   offline_apt_prefetch PACKAGE-OR-DEB...
#                     fetches what `apt-get install` of these (with Recommends) needs into
#                     $NSPAWN_CACHE/apt: package lists and .debs, next to the cached tree, never
#                     inside it (running containers have it as their overlay's lower layer).
#                     Uses the network only when something is missing; serialised by a lock.
#   offline_apt_setup copies that into the booted container: `apt-get install` then works
#                     there offline, without questions (changed conffiles: keep the admin's).

OFFLINE_APT="$NSPAWN_CACHE/apt"

offline_apt_prefetch() {
  local tree x args=() binds=()
  tree="$(nspawn_tree)" || return 1
  mkdir -p "$OFFLINE_APT/lists/partial" "$OFFLINE_APT/archives/partial"
  for x in "$@"; do
    if [[ -f "$x" ]]; then
      binds+=("--bind-ro=$(realpath "$x"):/tmp/offline-apt/$(basename "$x")")
      args+=("/tmp/offline-apt/$(basename "$x")")
    else
      args+=("$x")
    fi
  done
  (
    flock 9
    local log="$OFFLINE_APT/prefetch.log" missing
    # To start with, the tree's own lists: they describe the .debs debootstrap installed.
    if [[ ! -e "$OFFLINE_APT/lists/.seeded" ]]; then
      cp -a "$tree/var/lib/apt/lists/." "$OFFLINE_APT/lists/"
      touch "$OFFLINE_APT/lists/.seeded"
    fi
    # What is not in the archive yet (the local .debs show up as file: URIs).
    if ! missing="$(_offline_apt_run "$tree" "${binds[@]}" -- \
      apt-get --print-uris -qq install "${args[@]}" 2>"$log")"; then
      cat "$log" >&2
      exit 1
    fi
    missing="$(grep -v "^'file:" <<<"$missing" || true)"
    [[ -z "$missing" ]] && exit 0
    echo "offline apt: fetching $(awk '{print $2}' <<<"$missing" | tr '\n' ' ')" >&2
    if ! { _offline_apt_run "$tree" "${binds[@]}" -- apt-get update >"$log" 2>&1 &&
      _offline_apt_run "$tree" "${binds[@]}" -- \
        apt-get install -y --download-only "${args[@]}" >>"$log" 2>&1; }; then
      cat "$log" >&2
      exit 1
    fi
    # apt copies the local .debs into the archive too: a stale copy would shadow a new build.
    for x in "$@"; do
      [[ -f "$x" ]] && rm -f "$OFFLINE_APT/archives/$(basename "$x")"
    done
    exit 0
  ) 9>"$NSPAWN_CACHE/.apt.lock"
}

# One command in a throw-away overlay of the tree (--volatile=overlay: writes go to a tmpfs),
# with the host's network and the apt state of $OFFLINE_APT bound in.
_offline_apt_run() {
  local tree="$1" opts=()
  shift
  while [[ "$1" != -- ]]; do
    opts+=("$1")
    shift
  done
  shift
  systemd-nspawn --quiet --register=no --keep-unit --volatile=overlay -D "$tree" \
    --bind="$OFFLINE_APT/lists:/var/lib/apt/lists" \
    --bind="$OFFLINE_APT/archives:/var/cache/apt/archives" "${opts[@]}" --pipe \
    env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@"
}

offline_apt_setup() {
  rm -rf "$NSPAWN_ROOT/var/lib/apt/lists"
  cp -a "$OFFLINE_APT/lists" "$NSPAWN_ROOT/var/lib/apt/lists"
  rm -f "$NSPAWN_ROOT/var/lib/apt/lists/.seeded"
  cp "$OFFLINE_APT/archives/"*.deb "$NSPAWN_ROOT/var/cache/apt/archives/"
  cat >"$NSPAWN_ROOT/etc/apt/apt.conf.d/90llmon-e2e" <<'APT'
APT::Get::Assume-Yes "true";
Dpkg::Use-Pty "false";
quiet "1";
// Never ask about a changed conffile (there is no terminal): keep the admin's version.
Dpkg::Options { "--force-confdef"; "--force-confold"; };
APT
}
