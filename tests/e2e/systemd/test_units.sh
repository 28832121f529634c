#!/usr/bin/env bash
# llmon's systemd code against a real systemd 252 (Debian bookworm in systemd-nspawn):
#  1. a stand-in ollama.service with a drop-in, an EnvironmentFile= and UnsetEnvironment=:
#     query_unit (D-Bus, as an unprivileged user) and load_unit (files) must agree with each
#     other and with the running process's environment, through the drift cycle a user goes
#     through: edit the drop-in (NeedDaemonReload), daemon-reload without restart (new
#     Environment, process older than the drop-in), restart (process newer).
#  2. load_unit on the container's own units (templates, aliases, drop-ins, masks) must report
#     what systemd reports: FragmentPath, DropInPaths, Environment, EnvironmentFiles, ...
# ctest sets LLMON_DBUS_PROBE. Exit 77 (skip) where no container can be booted.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
source "$HERE/nspawn.sh"
: "${LLMON_DBUS_PROBE:?set by ctest}"

FAILURES=0
fail() {
  echo "FAIL: $*" >&2
  FAILURES=$((FAILURES + 1))
}
pass() { echo "ok: $*"; }
check() {  # check "description" command...
  local what="$1"
  shift
  if "$@"; then pass "$what"; else fail "$what"; fi
}
holds() { jq -e "$@" >/dev/null; }  # holds FILTER [jq options] <<<JSON
same() {  # same "description" JSON-A JSON-B: equal after jq -S
  local a b
  a="$(jq -S . <<<"$2")"
  b="$(jq -S . <<<"$3")"
  if [[ "$a" == "$b" ]]; then
    pass "$1"
  else
    fail "$1"
    diff <(echo "$a") <(echo "$b") >&2 || true
  fi
}

nspawn_usable || exit 77
nspawn_tree >/dev/null || exit 77
trap nspawn_stop EXIT
nspawn_boot

install -m 0755 "$LLMON_DBUS_PROBE" "$NSPAWN_ROOT/usr/local/bin/llmon_dbus_probe"
# D-Bus as nobody: reading unit properties must need no privilege.
query() {  # query UNIT...: one JSON line each
  nspawn_exec setpriv --reuid=nobody --regid=nogroup --clear-groups \
    /usr/local/bin/llmon_dbus_probe query "$@"
}
mapfile -t UNIT_DIRS < <(nspawn_exec systemd-analyze unit-paths)
load() {  # load UNIT...: one JSON line each
  local args=() d
  for d in "${UNIT_DIRS[@]}"; do args+=(--dir "$d"); done
  nspawn_exec /usr/local/bin/llmon_dbus_probe load "${args[@]}" "$@"
}
# The fields both sides report, in the same shape.
common() {
  jq '{id, load_state, fragment_path, dropin_paths, environment, environment_files,
       unset_environment, user: (.user // ""), exec_start: (.exec_start // "")}' <<<"$1"
}
# The environment the unit gives the process: its /proc/PID/environ without what the manager
# adds itself.
process_env() {
  nspawn_exec cat "/proc/$1/environ" | tr '\0' '\n' |
    grep -Ev '^(PATH|LANG|INVOCATION_ID|JOURNAL_STREAM|SYSTEMD_EXEC_PID|HOME|LOGNAME|USER|SHELL)=' |
    sort
}
effective_env() { jq -r '.effective.variables[] | "\(.name)=\(.value)"' <<<"$1" | sort; }

E="$NSPAWN_ROOT/etc/systemd/system"
mkdir -p "$E/ollama.service.d" "$NSPAWN_ROOT/etc/default"
cat >"$E/ollama.service" <<'EOF'
[Unit]
Description=Stand-in for the Ollama server

[Service]
ExecStart=/bin/sleep infinity
User=nobody
Environment="OLLAMA_HOST=127.0.0.1:11434" OLLAMA_KEEP_ALIVE=5m
EnvironmentFile=-/etc/default/ollama
EnvironmentFile=-/etc/default/ollama-absent
UnsetEnvironment=OLLAMA_KEEP_ALIVE OLLAMA_DEBUG=1
EOF
cat >"$NSPAWN_ROOT/etc/default/ollama" <<'EOF'
# read at start, overrides Environment=
OLLAMA_DEBUG=1
OLLAMA_MODELS="/var/lib/ollama models"
OLLAMA_HOST=0.0.0.0:11434
EOF
printf '[Service]\nEnvironment="OLLAMA_NUM_PARALLEL=2" "HSA_OVERRIDE_GFX_VERSION=11.5.1"\n' \
  >"$E/ollama.service.d/override.conf"
nspawn_exec systemctl daemon-reload
nspawn_exec systemctl start ollama.service

echo "--- running, configuration in effect"
q1="$(query ollama.service)"
l1="$(load ollama.service)"
same "files and D-Bus agree on ollama.service" "$(common "$l1")" "$(common "$q1")"
check "ollama.service is active (running)" \
  test "$(jq -r '"\(.active_state) \(.sub_state)"' <<<"$q1")" = "active running"
check "no daemon-reload pending" test "$(jq .need_daemon_reload <<<"$q1")" = false
check "load_unit reports no problem" test "$(jq '.problems | length' <<<"$l1")" = 0
pid1="$(jq .main_pid <<<"$q1")"
start1="$(jq .exec_main_start_usec <<<"$q1")"
check "a main pid and its start time" test "$pid1" -gt 0 -a "$start1" -gt 0
check "effective_unit_environment is the process's environment" \
  test "$(effective_env "$l1")" = "$(process_env "$pid1")"
check "the EnvironmentFile= overrides Environment=, UnsetEnvironment= removes exact matches" \
  test "$(effective_env "$l1" | tr '\n' ' ')" = \
  "HSA_OVERRIDE_GFX_VERSION=11.5.1 OLLAMA_HOST=0.0.0.0:11434 OLLAMA_MODELS=/var/lib/ollama models OLLAMA_NUM_PARALLEL=2 "
newest1="$(jq .effective.newest.mtime_usec <<<"$l1")"
check "the process is newer than every file" test "$start1" -gt "$newest1"

echo "--- drop-in edited, no daemon-reload"
printf '[Service]\nEnvironment="OLLAMA_NUM_PARALLEL=4" "HSA_OVERRIDE_GFX_VERSION=11.5.1"\n' \
  >"$E/ollama.service.d/override.conf"
q2="$(query ollama.service)"
l2="$(load ollama.service)"
check "NeedDaemonReload is true" test "$(jq .need_daemon_reload <<<"$q2")" = true
check "systemd still has the old Environment" \
  holds '.environment | index("OLLAMA_NUM_PARALLEL=2") != null' <<<"$q2"
check "the files have the new one" \
  holds '.environment | index("OLLAMA_NUM_PARALLEL=4") != null' <<<"$l2"
check "the newest file is the drop-in, newer than the process" \
  holds --argjson start "$start1" \
  '.effective.newest.path == "/etc/systemd/system/ollama.service.d/override.conf" and
   .effective.newest.mtime_usec > $start' <<<"$l2"

echo "--- daemon-reload, no restart"
nspawn_exec systemctl daemon-reload
q3="$(query ollama.service)"
same "files and D-Bus agree again" "$(common "$l2")" "$(common "$q3")"
check "NeedDaemonReload is false" test "$(jq .need_daemon_reload <<<"$q3")" = false
check "same process, same start time" \
  test "$(jq '"\(.main_pid) \(.exec_main_start_usec)"' <<<"$q3")" = "\"$pid1 $start1\""
check "the units were reloaded after the process started" \
  test "$(jq .units_load_usec <<<"$q3")" -gt "$start1"
check "the process still runs with the old value" \
  grep -qx OLLAMA_NUM_PARALLEL=2 <(process_env "$pid1")

echo "--- restart"
nspawn_exec systemctl restart ollama.service
q4="$(query ollama.service)"
pid4="$(jq .main_pid <<<"$q4")"
check "a new main process" test "$pid4" -gt 0 -a "$pid4" -ne "$pid1"
check "started after the drop-in changed" \
  test "$(jq .exec_main_start_usec <<<"$q4")" -gt "$(jq .effective.newest.mtime_usec <<<"$l2")"
check "it runs with the new value" grep -qx OLLAMA_NUM_PARALLEL=4 <(process_env "$pid4")

echo "--- a unit that is not loaded yet, a mask, a unit that does not exist"
U="$NSPAWN_ROOT/usr/local/lib/systemd/system"
mkdir -p "$U"
printf '[Service]\nExecStart=/bin/true\nEnvironment=A=1\n' >"$U/masked-test.service"
printf '[Service]\nExecStart=/bin/true\nEnvironment=B=%%n\n' >"$U/lazy-test.service"
nspawn_exec systemctl daemon-reload
nspawn_exec systemctl mask masked-test.service >/dev/null 2>&1
for unit in lazy-test.service masked-test.service absent-test.service; do
  same "$unit" "$(common "$(load "$unit")")" "$(common "$(query "$unit")")"
done

echo "--- the container's own units"
for unit in getty@tty1.service autovt@tty2.service e2scrub_all.service e2scrub_reap.service \
  emergency.service rc-local.service systemd-localed.service dbus.service \
  systemd-logind.service dbus-org.freedesktop.login1.service systemd-journald.service; do
  same "$unit" "$(common "$(load "$unit")")" "$(common "$(query "$unit")")"
done

echo "--- parser edge cases: systemd's own parse of the same files"
# Quoting, escapes, specifiers, continuations, comments, CR line ends, invalid words.
printf '%s\n' '[Service]' 'ExecStart=/bin/sleep infinity' \
  'Environment=A1="x y" A2='"'"'s q'"'"' "A3=w z" A4=a"b c"d G3=$HOME G4=${X}' \
  'Environment=B1=\t B2=\x41 B3=\u00e9 B4=\101 B5="tab\there" G1=\x01' \
  'Environment=C1=1 C2=\q C3=3' 'Environment=D1=1 D2="unbalanced D3=3' \
  'Environment=E1=1 1E=2 E-3=3 noequal E4=4 =5 E5= G2=\xff U1=\ud800 U2=ok' \
  'Environment=F1=%n F2=%N F3=%p F4=%i F6=%% F7=x% F8=%Z F10=%y F11=%j F12=%f F13=%E F14=%t' \
  'Environment=H1=1 \' '# a comment inside' '  H2=2' 'Environment=K1=1\ ' 'Environment=K2=1\\' \
  '   # indented comment' 'Environment = L1=spaced ' 'noequalsign' '=novalue' \
  'Environment=M1="x \' '   y"' >"$E/syntax-test.service"
printf 'Environment=N1=cr\rEnvironment=N2=crlf\r\n' >>"$E/syntax-test.service"
# EnvironmentFile= contents: the process shows what systemd made of them.
printf '%s\n' '[Service]' 'ExecStart=/bin/sleep infinity' 'Environment=OVR=env KEEP=1' \
  'EnvironmentFile=/etc/default/envfile-test' 'EnvironmentFile=-/etc/default/envfile-test.d/*' \
  >"$E/envfile-test.service"
printf '%s\n' '# comment \' 'NOTCOMMENT=1' 'export EXP=1' 'PLAIN=a b  ' \
  "SQ='single \\n \$x'" 'DQ="dq \$HOME \" \\ \n end"' 'CONT=a\' 'b' 'MULTI="line1' 'line2"' \
  '  SPACED  =  v  ' 'NOEQ' '1BAD=x' 'EMPTY=' 'QMID=a"b c"d' 'QCAT="x" "y"' 'ESC=a\tb\\c' \
  'DUP=1' 'DUP=2' '; semi' 'AFTER_HASH=a #b' 'TRAIL=x\ ' 'OVR=file' \
  >"$NSPAWN_ROOT/etc/default/envfile-test"
printf 'CR1=a\r\nCR2="b"\r\n' >>"$NSPAWN_ROOT/etc/default/envfile-test"
mkdir -p "$NSPAWN_ROOT/etc/default/envfile-test.d"
printf 'G=g2\n' >"$NSPAWN_ROOT/etc/default/envfile-test.d/b"
printf 'G=g1\nG1=1\n' >"$NSPAWN_ROOT/etc/default/envfile-test.d/a"
# A main file systemd refuses, and a drop-in it reads only up to its bad line.
mkdir -p "$E/baddropin-test.service.d"
printf '[Service]\nExecStart=/bin/true\nEnvironment=A1=1\n[Serv"ice]\nEnvironment=A2=2\n' \
  >"$E/refused-test.service"
printf '[Service]\nExecStart=/bin/true\nEnvironment=A1=1\nUnsetEnvironment=A B A X=1\n' \
  >"$E/baddropin-test.service"
printf '[Service]\nUnsetEnvironment=B C X=1 X\n' >"$E/baddropin-test.service.d/05-unset.conf"
printf '[Service]\nEnvironment=D1=1\n[Bad\nEnvironment=D3=3\n' \
  >"$E/baddropin-test.service.d/10-bad.conf"
printf '[Service]\nEnvironment=D2=2\n' >"$E/baddropin-test.service.d/20-good.conf"
nspawn_exec systemctl daemon-reload
nspawn_exec systemctl start syntax-test.service envfile-test.service
for unit in syntax-test.service envfile-test.service refused-test.service \
  baddropin-test.service; do
  same "$unit" "$(common "$(load "$unit")")" "$(common "$(query "$unit")")"
done
lenv="$(load envfile-test.service)"
check "EnvironmentFile= contents: load_unit's environment is the process's" \
  test "$(effective_env "$lenv")" = \
  "$(process_env "$(jq .main_pid <<<"$(query envfile-test.service)")")"

echo "--- drop-in precedence across directories, type-level and prefix drop-ins, aliases"
L="$NSPAWN_ROOT/usr/local/lib/systemd/system"
svc() { printf '[Service]\nExecStart=/bin/true\nEnvironment=BASE=%s\n' "$2" >"$1"; }
dropin() {
  mkdir -p "$(dirname "$1")"
  printf '[Service]\nEnvironment=%s\n' "$2" >"$1"
}
svc "$L/p1-test.service" local
dropin "$E/p1-test.service.d/10-x.conf" X=etc
dropin "$L/p1-test.service.d/10-x.conf" X=local
dropin "$L/p1-test.service.d/20-y.conf" Y=local
ln -s /dev/null "$E/p1-test.service.d/20-y.conf"
dropin "$E/service.d/30-t.conf" T=type
dropin "$E/service.d/40-q.conf" Q=type
dropin "$L/p1-test.service.d/40-q.conf" Q=specific
dropin "$L/p1-test.service.d/99-x.conf" X=last
nspawn_exec sh -c 'mkdir -p /run/systemd/system/p1-test.service.d &&
  printf "[Service]\nEnvironment=Z=run\n" >/run/systemd/system/p1-test.service.d/05-z.conf'
svc "$L/foo-bar-baz.service" prefix
dropin "$E/foo-.service.d/10-p.conf" "P=foo- P1=foo-"
dropin "$E/foo-bar-.service.d/10-p.conf" P=foo-bar-
dropin "$L/foo-bar-baz.service.d/10-p.conf" P=own
svc "$L/real-test.service" real
ln -s /usr/local/lib/systemd/system/real-test.service "$E/alias-test.service"
dropin "$E/alias-test.service.d/10-a.conf" "A=alias N=%n"
mkdir -p "$NSPAWN_ROOT/opt/linked"
svc "$NSPAWN_ROOT/opt/linked/linked-test.service" linked
ln -s /opt/linked/linked-test.service "$E/linked-test.service"
: >"$E/empty-test.service"
ln -s /opt/nowhere/dangling-test.service "$E/dangling-test.service"
printf '[Service]\nExecStart=/bin/true\nEnvironment=A=1\n\xef\xbb\xbfEnvironment=B=2\n' \
  >"$E/bom-test.service"
nspawn_exec systemctl daemon-reload
for unit in p1-test.service foo-bar-baz.service real-test.service alias-test.service \
  linked-test.service empty-test.service dangling-test.service bom-test.service \
  getty@tty3.service; do
  same "$unit" "$(common "$(load "$unit")")" "$(common "$(query "$unit")")"
done

echo "--- random unit files and environment files (fixed seeds): systemd's parse and ours"
python3 "$HERE/random_units.py" units "$NSPAWN_ROOT" 150 1
python3 "$HERE/random_units.py" envfiles "$NSPAWN_ROOT" 40 1
nspawn_exec systemctl daemon-reload
names=()
for i in $(seq 0 149); do names+=("rnd$i.service"); done
keys='{id, load_state, environment, environment_files, unset_environment, user: (.user // "")}'
differ="$(diff <(load "${names[@]}" | jq -c "$keys") <(query "${names[@]}" | jq -c "$keys") >&2 &&
  echo 0 || echo 1)"
check "150 random unit files read as systemd reads them" test "$differ" -eq 0
names=()
for i in $(seq 0 39); do names+=("rndenv$i.service"); done
nspawn_exec systemctl start "${names[@]}"
differ=0
mapfile -t loaded < <(load "${names[@]}")
mapfile -t pids < <(query "${names[@]}" | jq .main_pid)
for i in $(seq 0 39); do
  if [[ "$(effective_env "${loaded[$i]}")" != "$(process_env "${pids[$i]}")" ]]; then
    differ=$((differ + 1))
    echo "rndenv$i: llmon: $(effective_env "${loaded[$i]}" | tr '\n' '|')" >&2
    echo "rndenv$i: process: $(process_env "${pids[$i]}" | tr '\n' '|')" >&2
  fi
done
check "40 random environment files read as systemd reads them" test "$differ" -eq 0

if [[ "$FAILURES" -ne 0 ]]; then
  echo "$FAILURES check(s) failed" >&2
  exit 1
fi
echo "all checks passed"
