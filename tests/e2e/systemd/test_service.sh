#!/usr/bin/env bash
# llmon's Debian package under a real systemd (a booted bookworm container, nspawn.sh):
# install with apt, Type=notify readiness, reload good and bad configurations, the watchdog,
# the hardening line by line (sandbox_probe), a stand-in ollama.service seen through the
# sandbox, the tuning checks through systemd's D-Bus API (an edited drop-in: NeedDaemonReload,
# then daemon-reload: restart pending, then restart: ok; llmon doctor's fixes), the
# read-ollama-environment drop-in, the real librocm_smi64 under the sandbox,
# upgrade, remove and purge. apt runs offline inside (offline_apt.sh).
HERE="$(cd "$(dirname "$0")" && pwd)"
source "$HERE/../lib.sh"
source "$HERE/nspawn.sh"
source "$HERE/offline_apt.sh"
: "${LLMON_DEB:?set by ctest}" "${LLMON_FAKE_OLLAMA:?set by ctest}"
: "${LLMON_SANDBOX_PROBE:?set by ctest}"
nspawn_usable || exit 77
nspawn_tree > /dev/null || exit 77
[[ -f "$LLMON_DEB" ]] || { echo "FAIL: $LLMON_DEB is missing (make package)"; exit 1; }

trap 'nspawn_stop; cleanup' EXIT
START=$(date +%s)
LAST=$START
phase() {  # phase NAME: how long the previous phase took
  local now
  now=$(date +%s)
  echo "--- [$((now - START)) s, +$((now - LAST)) s] $*"
  LAST=$now
}

# Inside the container, in a clean environment (nspawn_exec passes the host's on).
X() {
  nspawn_exec env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 SYSTEMD_PAGER= \
    SYSTEMD_COLORS=0 DEBIAN_FRONTEND=noninteractive "$@"
}
metrics() { X curl -sS --max-time 5 http://127.0.0.1:9877/metrics; }
metric() { metrics 2> /dev/null | grep -E -- "$1" | head -1 | awk '{print $NF}'; }
wait_metric() {  # wait_metric REGEX [SECONDS]
  local deadline=$(($(date +%s) + ${2:-20}))
  while (($(date +%s) <= deadline)); do
    metrics 2> /dev/null | grep -E -- "$1" > /dev/null && return 0  # not -q: see lib.sh
    sleep 0.2
  done
  echo "timed out waiting for /metrics to match $1" >&2
  return 1
}
prop() { X systemctl show -p "$2" --value "$1"; }
main_pid() { prop llmon.service MainPID; }
dropin() {  # dropin NAME CONTENT: /etc/systemd/system/llmon.service.d/NAME.conf, reloaded
  printf '%s\n' "$2" | X sh -c "mkdir -p /etc/systemd/system/llmon.service.d && cat > /etc/systemd/system/llmon.service.d/$1.conf"
  X systemctl daemon-reload
}
undrop() {
  X rm -f "/etc/systemd/system/llmon.service.d/$1.conf"
  X systemctl daemon-reload
}
journal_since() { X journalctl -u "$1" --no-pager -o cat --since "@$2"; }
exposure() {
  X systemd-analyze security --no-pager "$1" 2> /dev/null \
    | sed -n 's/.*Overall exposure level for [^ ]*: \([0-9.]*\) .*/\1/p'
}
at_most() { awk -v s="$1" -v m="$2" 'BEGIN { exit !(s != "" && s <= m) }'; }
# check runs its command in a child shell (bash -c): these must be visible there.
export -f X metrics metric wait_metric prop main_pid journal_since
dump_on_failure() {
  if [[ "$FAILURES" -ne 0 ]]; then
    echo "--- journal of llmon.service ---" >&2
    X journalctl -u llmon.service --no-pager -n 60 >&2 || true
  fi
}

phase "prefetch and boot"
# Its own loopback only: llmon's 9877 and the stand-in Ollama's 11434 never meet the host's.
offline_apt_prefetch "$LLMON_DEB" curl
nspawn_boot --private-network
offline_apt_setup

phase "install the package with apt"
nspawn_copy_in "$LLMON_DEB" /var/tmp/llmon.deb
if ! X apt-get install -y /var/tmp/llmon.deb > "$WORK/apt-install.log" 2>&1; then
  cat "$WORK/apt-install.log" >&2
  fail "apt-get install of the .deb"
  finish
fi
# The tests' own tool, after the package, so that it cannot hide a missing dependency.
X apt-get install -y --no-install-recommends curl > "$WORK/apt-curl.log" 2>&1
check "apt installs the .deb and its dependencies from Debian" X dpkg -s llmon
check "the dlopened librocm-smi64-1 comes along (Recommends)" X dpkg -s librocm-smi64-1
check "the unit is enabled on install" bash -c "[[ \$(X systemctl is-enabled llmon) == enabled ]]"
check "and started: active" nspawn_wait_state llmon.service active 20
check "it runs as the llmon system user the package created" \
  bash -c "[[ \$(X stat -c %U /proc/$(main_pid)) == llmon ]] && X getent passwd llmon > /dev/null"
check "/metrics answers inside the container" bash -c "metrics | grep -q '^llmon_build_info{'"
check "STATUS= is shown by systemctl" \
  bash -c "[[ \$(prop llmon.service StatusText) == 'serving on 0.0.0.0:9877' ]]"
check "the man page and the example drop-in are installed" \
  X test -f /usr/share/man/man1/llmon.1.gz -a -f /usr/share/doc/llmon/examples/llmon.service.d/read-ollama-environment.conf
for f in prometheus/llmon.rules.yml grafana/dashboards/llmon-overview.json; do
  if [[ -f "$LLMON_SOURCE_DIR/$f" ]]; then
    check "/usr/share/llmon/$f is installed" X test -f "/usr/share/llmon/$f"
  fi
done
verify="$(X systemd-analyze verify --man=no /usr/lib/systemd/system/llmon.service 2>&1 || true)"
check "systemd-analyze verify has nothing to say about the installed unit" test -z "$verify"
[[ -z "$verify" ]] || echo "$verify" >&2
SCORE="$(exposure llmon.service)"
echo "systemd-analyze security llmon.service: $SCORE"
check "systemd-analyze security: exposure $SCORE is at most 2.0" at_most "$SCORE" 2.0

phase "Type=notify: active only after READY=1"
# READY=1 follows the bind. Without it (no $NOTIFY_SOCKET for llmon), systemd keeps the unit
# activating although /metrics answers: it is active only once llmon says READY=1.
dropin no-ready $'[Service]\nExecStart=\nExecStart=/usr/bin/env -u NOTIFY_SOCKET /usr/bin/llmon serve\nTimeoutStartSec=30s'
X systemctl restart --no-block llmon.service
check "without READY=1 the unit stays 'activating' while llmon already serves" \
  bash -c "for i in \$(seq 1 50); do [[ \$(X systemctl is-active llmon) == activating ]] && metrics 2>/dev/null | grep -q '^llmon_build_info' && exit 0; sleep 0.2; done; exit 1"
sleep 2
check "... and still 'activating' 2 s later" \
  bash -c "[[ \$(X systemctl is-active llmon) == activating ]]"
undrop no-ready
X systemctl restart llmon.service
check "with READY=1 it is active again" nspawn_wait_state llmon.service active

phase "systemctl reload with a good and a broken configuration"
X cp /etc/llmon/llmon.toml /root/llmon.toml.orig
pid_before="$(main_pid)"
ts_before="$(metric '^llmon_config_last_reload_success_timestamp_seconds ')"
X sed -i 's/^level = "info"/level = "debug"/' /etc/llmon/llmon.toml
X systemctl reload llmon.service
check "a good configuration: reloaded (llmon_config_last_reload_successful 1, newer timestamp)" \
  bash -c "for i in \$(seq 1 50); do ts=\$(metric '^llmon_config_last_reload_success_timestamp_seconds '); [[ \$(metric '^llmon_config_last_reload_successful ') == 1 && \$ts != '$ts_before' ]] && exit 0; sleep 0.2; done; exit 1"
check "reload, not restart: same main pid, still active" \
  bash -c "[[ \$(main_pid) == $pid_before && \$(X systemctl is-active llmon) == active ]]"
printf '[web]\nlisten = 1\n' | X sh -c 'cat >> /etc/llmon/llmon.toml'
X systemctl reload llmon.service
check "a broken configuration: llmon_config_last_reload_successful 0" \
  wait_metric '^llmon_config_last_reload_successful 0$' 10
check "the unit is still active, same pid, and STATUS says the reload failed" \
  bash -c "[[ \$(X systemctl is-active llmon) == active && \$(main_pid) == $pid_before ]] && prop llmon.service StatusText | grep -q 'last reload failed'"
X cp /root/llmon.toml.orig /etc/llmon/llmon.toml
X systemctl reload llmon.service
check "the repaired configuration reloads (1 again)" \
  wait_metric '^llmon_config_last_reload_successful 1$' 10

phase "the watchdog"
dropin test-watchdog $'[Service]\nWatchdogSec=2s'
X systemctl restart llmon.service
nspawn_wait_state llmon.service active > /dev/null
restarts_before="$(prop llmon.service NRestarts)"
pid_before="$(main_pid)"
sleep 5  # two and a half watchdog periods: a healthy daemon pings in time
check "a healthy daemon is not restarted by a 2 s watchdog (5 s observed)" \
  bash -c "[[ \$(main_pid) == $pid_before && \$(prop llmon.service NRestarts) == $restarts_before ]]"
since=$(X date +%s)
X kill -STOP "$pid_before"
stopped_at=$(date +%s)
check "kill -STOP: systemd restarts it (new main pid, active)" \
  bash -c "for i in \$(seq 1 150); do p=\$(main_pid); [[ \$p != $pid_before && \$p != 0 && \$(X systemctl is-active llmon) == active ]] && exit 0; sleep 0.2; done; exit 1"
elapsed=$(($(date +%s) - stopped_at))
check "after the watchdog timeout (restarted ${elapsed} s after SIGSTOP; WatchdogSec=2s + RestartSec)" \
  bash -c "journal_since llmon.service $since | grep -q 'Watchdog timeout' && [[ $elapsed -ge 2 ]]"
check "NRestarts counts it" test "$(prop llmon.service NRestarts)" -gt "$restarts_before"
undrop test-watchdog
X systemctl restart llmon.service

# The stand-in ollama.service of fixtures/ (user ollama, as Ollama's install.sh makes it; the
# fake server as /usr/local/bin/ollama, so its process is named ollama; a drop-in with OLLAMA_*
# settings). The fake needs libboost-json and libtomlplusplus: llmon's package brought them.
install_ollama() {
  X adduser --system --group --home /usr/share/ollama --quiet ollama
  nspawn_copy_in "$LLMON_FAKE_OLLAMA" /usr/local/bin/ollama 0755
  nspawn_copy_in "$1" /usr/local/share/ollama/scenario.toml
  nspawn_copy_in "$HERE/fixtures/ollama.service" /etc/systemd/system/ollama.service
  nspawn_copy_in "$HERE/fixtures/ollama.service.d/override.conf" \
    /etc/systemd/system/ollama.service.d/override.conf
  X systemctl daemon-reload
  X systemctl enable --now --quiet ollama.service
  nspawn_wait_state ollama.service active
}

phase "a stand-in ollama.service"
install_ollama "$FIXTURES/ollama/strix_halo.toml"
X systemctl restart llmon.service  # skips the backoff after the failed polls before
OLLAMA_PID="$(prop ollama.service MainPID)"
check "llmon sees Ollama over loopback: llmon_ollama_up 1" \
  wait_metric '^llmon_ollama_up\{ollama="default"\} 1$' 30
check "and its process through /proc: llmon_ollama_process_resident_memory_bytes" \
  wait_metric '^llmon_ollama_process_resident_memory_bytes\{ollama="default"\} [1-9]' 30
check "llmon_ollama_process_start_time_seconds is there" \
  wait_metric '^llmon_ollama_process_start_time_seconds\{ollama="default"\} [1-9]' 5
check "under the sandbox, every collector succeeds (no llmon_collector_success 0)" \
  bash -c "metrics | grep -q '^llmon_collector_success{' && ! metrics | grep -q '^llmon_collector_success{.*} 0\$'"

phase "tuning drift: an edited drop-in, daemon-reload, restart (systemd's D-Bus API)"
# The tuning checks every second instead of every 30 s, through a reload.
X sed -i '/^\[tuning\]/,/^\[/ s/^interval = "30s"$/interval = "1s"/' /etc/llmon/llmon.toml
X systemctl reload llmon.service
drift() { echo "^llmon_tuning_drift\\{check=\"$1\",ollama=\"default\"\\} $2\$"; }
drift_info() {
  echo "^llmon_tuning_drift_info\\{actual=\"$1\",check=\"restart_pending\",expected=\"[^\"]*\",ollama=\"default\"\\} 1\$"
}
check "a freshly started Ollama: restart_pending 0" wait_metric "$(drift restart_pending 0)" 20
# File times have a one-second slack: the edit must come later than that after the start.
started="$(metric '^llmon_ollama_process_start_time_seconds\{ollama="default"\}')"
while (($(X date +%s) <= ${started%.*} + 2)); do sleep 0.2; done
X sed -i 's/^Environment="OLLAMA_KEEP_ALIVE=24h"$/Environment="OLLAMA_KEEP_ALIVE=30m"/' \
  /etc/systemd/system/ollama.service.d/override.conf
check "the drop-in edited, no daemon-reload: systemd says NeedDaemonReload" \
  bash -c "[[ \$(prop ollama.service NeedDaemonReload) == yes ]]"
check "and llmon reports it: restart_pending 1, actual \"daemon-reload pending\"" \
  bash -c "wait_metric '$(drift restart_pending 1)' 20 && wait_metric '$(drift_info 'daemon-reload pending')' 5"
X llmon doctor > "$WORK/doctor-reload.txt" 2>&1 && status=0 || status=$?
check "llmon doctor (as root) exits 1 and says what systemd said" \
  bash -c "[[ $status == 1 ]] && grep -q 'systemd reports NeedDaemonReload for ollama.service' '$WORK/doctor-reload.txt'"
check "with the fix: daemon-reload, then restart" grep -q \
  'fix: sudo systemctl daemon-reload && sudo systemctl restart ollama' "$WORK/doctor-reload.txt"
X systemctl daemon-reload
check "after daemon-reload: still restart_pending 1, now the restart alone is missing" \
  bash -c "wait_metric '$(drift_info 'changed [0-9.]+ (s|min|h) after start')' 20 && wait_metric '$(drift restart_pending 1)' 5"
X llmon doctor --format json > "$WORK/doctor-restart.json" 2> /dev/null || true
check "llmon doctor's fix is now the restart alone" \
  bash -c "jq -e '.instances[0].checks[] | select(.check == \"restart_pending\") | .state == \"drift\" and .fix == \"sudo systemctl restart ollama\"' '$WORK/doctor-restart.json' > /dev/null"
X systemctl restart ollama.service
nspawn_wait_state ollama.service active > /dev/null
check "after the restart: restart_pending 0, no drift info" \
  bash -c "wait_metric '$(drift restart_pending 0)' 20 && ! metrics | grep -q '^llmon_tuning_drift_info{.*check=\"restart_pending\"'"
check "the new setting is what the unit now gives: llmon_ollama_env_info from the unit" \
  wait_metric '^llmon_ollama_env_info\{ollama="default",source="unit",value="30m",var="OLLAMA_KEEP_ALIVE"\} 1$' 10
check "a process llmon may not read (it runs as llmon, Ollama as ollama): env_mismatch unknown, absent" \
  bash -c "! metrics | grep -q 'check=\"env_mismatch\",ollama=\"default\"'"
OLLAMA_PID="$(prop ollama.service MainPID)"

# run_probe NAME [ENV...]: sandbox_probe as ExecStart= of a copy of the installed unit (plus
# the drop-ins of llmon.service.d that the caller copied to llmon-probe.service.d).
run_probe() {
  local name="$1" since
  shift
  X sed -e 's/^Type=notify/Type=oneshot/' \
    -e 's|^ExecStart=.*|ExecStart=/usr/local/bin/llmon-sandbox-probe|' \
    -e '/^ExecReload=/d' -e '/^WatchdogSec=/d' -e '/^Restart/d' \
    -e 's/^StateDirectory=llmon$/StateDirectory=llmon-probe/' -e '/^\[Install\]/,$d' \
    /usr/lib/systemd/system/llmon.service > "$WORK/probe.service"
  {
    # Lets the kernel grant SCHED_FIFO, so that refusing it proves RestrictRealtime=.
    echo "LimitRTPRIO=99"
    echo "TimeoutStartSec=60s"
    for kv in "$@"; do echo "Environment=\"$kv\""; done
  } >> "$WORK/probe.service"
  nspawn_copy_in "$WORK/probe.service" /etc/systemd/system/llmon-probe.service
  X systemctl daemon-reload
  since=$(X date +%s)
  X systemctl start llmon-probe.service || true
  journal_since llmon-probe.service "$since" | grep -E '^(ok|FAIL|probe):' > "$WORK/probe-$name.txt" || true
  sed "s/^/  [probe $name] /" "$WORK/probe-$name.txt"
}
probe_passed() {
  check "sandbox probe ($1): every check passed" \
    bash -c "grep -q '^probe: [0-9]* checks, 0 failed' '$WORK/probe-$1.txt'"
}

phase "the hardening, line by line (sandbox_probe in the unit's sandbox)"
nspawn_copy_in "$LLMON_SANDBOX_PROBE" /usr/local/bin/llmon-sandbox-probe 0755
# Markers outside the sandbox that it must not see, and the /dev/shm file it must.
X sh -c 'mkdir -p /home/llmon-probe /usr/lib/modules && for f in /root/llmon-probe-marker /home/llmon-probe/marker /usr/lib/modules/llmon-probe-marker /tmp/llmon-probe-marker /dev/shm/llmon-probe-shared /dev/llmon-probe-device; do echo x > $f; chmod 644 $f; done'
X systemctl stop llmon.service  # so that only the probe's IPC is llmon's
INIT_NS="$(X sh -c 'readlink /proc/1/ns/user /proc/1/ns/ipc /proc/1/ns/uts' | tr '\n' ' ')"
PROBE_ENV=("PROBE_INIT_NS=$INIT_NS" PROBE_OLLAMA_PORT=11434 "PROBE_OLLAMA_PID=$OLLAMA_PID" PROBE_EXPECT_ENVIRON=denied
  PROBE_DBUS_UNIT=ollama.service)
run_probe default "${PROBE_ENV[@]}"
probe_passed default
check "RemoveIPC=yes: the /dev/shm file the probe made is gone once it stopped" \
  X test ! -e /dev/shm/llmon-probe-own
# The same probe with every hardening setting off: each setting's check must then fail, or
# it proved nothing. What llmon needs (the rest) still works.
X mkdir -p /etc/systemd/system/llmon-probe.service.d
nspawn_copy_in "$HERE/fixtures/relaxed.conf" \
  /etc/systemd/system/llmon-probe.service.d/relaxed.conf
run_probe relaxed "${PROBE_ENV[@]}" > "$WORK/probe-relaxed.log"
X rm -rf /etc/systemd/system/llmon-probe.service.d /dev/shm/llmon-probe-own
# Settings whose effect this container cannot show, because it already refuses the same to
# every process in it: nspawn's own seccomp filter blocks @clock (adjtimex) without
# CAP_SYS_TIME; on a cgroup v1 host the container's cgroup has no real-time budget, so the
# kernel refuses SCHED_FIFO anyway; nspawn covers /proc/kmsg and has no /dev/kmsg. Their
# checks above still prove the operations are refused.
CONTAINER_SHOWS_ANYWAY="ProtectClock=yes RestrictRealtime=yes ProtectKernelLogs=yes"
unproven=""
proven=0
while IFS= read -r label; do
  if grep -qxF "FAIL: $label" <(sed 's/ \[.*\]$//' "$WORK/probe-relaxed.txt"); then
    proven=$((proven + 1))
  elif [[ " $CONTAINER_SHOWS_ANYWAY " == *" ${label%%:*} "* ]]; then
    echo "note: the container refuses this too, so it cannot prove ${label%%:*}: $label"
  else
    unproven="$unproven
  $label"
  fi
done < <(sed -n 's/^ok: \([A-Z][A-Za-z]*=.*\)/\1/p' "$WORK/probe-default.txt" | sed 's/ \[.*\]$//')
[[ -z "$unproven" ]] || echo "checks that still pass with every setting off:$unproven"
check "each setting's check fails with the setting off ($proven proven)" test -z "$unproven"
check "with the settings off, what llmon needs still works" \
  bash -c "! grep '^FAIL: [^A-Z]' '$WORK/probe-relaxed.txt'"
X systemctl start llmon.service

phase "the read-ollama-environment drop-in"
X touch /var/lib/llmon/marker
X mkdir -p /etc/systemd/system/llmon.service.d /etc/systemd/system/llmon-probe.service.d
X cp /usr/share/doc/llmon/examples/llmon.service.d/read-ollama-environment.conf \
  /etc/systemd/system/llmon.service.d/
X cp /usr/share/doc/llmon/examples/llmon.service.d/read-ollama-environment.conf \
  /etc/systemd/system/llmon-probe.service.d/
X systemctl daemon-reload
X systemctl restart llmon.service
check "llmon runs as ollama" \
  bash -c "nspawn_wait_state llmon.service active > /dev/null && [[ \$(X stat -c %U /proc/\$(main_pid)) == ollama ]]"
check "its state moved to /var/lib/llmon, owned by ollama, contents kept" \
  bash -c "X test -d /var/lib/llmon -a ! -L /var/lib/llmon && [[ \$(X stat -c %U /var/lib/llmon/marker) == ollama ]]"
check "and it still serves and sees Ollama" wait_metric '^llmon_ollama_up\{ollama="default"\} 1$' 30
check "as Ollama's user it reads the server's environment: env_mismatch 0, not unknown" \
  wait_metric "$(drift env_mismatch 0)" 20
check "and llmon_ollama_env_info has the process's own values" \
  wait_metric '^llmon_ollama_env_info\{ollama="default",source="process",value="30m",var="OLLAMA_KEEP_ALIVE"\} 1$' 10
SCORE_OLLAMA="$(exposure llmon.service)"
echo "systemd-analyze security llmon.service with the drop-in: $SCORE_OLLAMA"
check "with the drop-in, exposure $SCORE_OLLAMA is at most 2.0" at_most "$SCORE_OLLAMA" 2.0
X systemctl stop llmon.service
run_probe as-ollama "PROBE_INIT_NS=$INIT_NS" PROBE_USER=ollama PROBE_NO_PRIVATE_USERS=1 PROBE_OLLAMA_PORT=11434 \
  "PROBE_OLLAMA_PID=$OLLAMA_PID" PROBE_EXPECT_ENVIRON=readable PROBE_DBUS_UNIT=ollama.service
probe_passed as-ollama
X rm -rf /etc/systemd/system/llmon.service.d /etc/systemd/system/llmon-probe.service.d
X systemctl daemon-reload
X systemctl start llmon.service
check "without the drop-in: back to llmon, state back under /var/lib/private" \
  bash -c "nspawn_wait_state llmon.service active > /dev/null && [[ \$(X stat -c %U /proc/\$(main_pid)) == llmon ]] && X test -L /var/lib/llmon -a -f /var/lib/private/llmon/marker"

phase "the real librocm_smi64 in the sandbox, on a fixture sysfs"
# The dual-discrete fixture completed with what the real library reads beyond llmon (see
# the appendix of fidelity.md), bind-mounted over /sys for llmon only.
GPU="$WORK/sys"
cp -a "$FIXTURES/sysfs/dual_discrete" "$GPU"
for n in "$(readlink -f "$GPU/class/kfd/kfd")"/topology/nodes/*; do mkdir -p "$n/io_links" "$n/p2p_links"; done
for c in "$GPU"/class/drm/card[0-9]; do
  d="$(readlink -f "$c/device")"
  [[ -f "$d/vbios_version" ]] || echo 113-D7020100-102 > "$d/vbios_version"
done
for h in $(find "$GPU/devices" -type d -name 'hwmon[0-9]*'); do
  [[ -f "$h/in0_input" ]] || { echo vddgfx > "$h/in0_label"; echo 850 > "$h/in0_input"; }
  [[ -f "$h/power1_label" ]] || echo PPT > "$h/power1_label"
done
# The 5.x library aborts on deep-sleep "S:" clock lines (issue 7, test_rocm_smi.sh): not
# what this test is about.
find "$GPU/devices" -name 'pp_dpm_[sm]clk' -exec sed -i '/^S:/d' {} +
mkdir -p "$GPU/fs/cgroup"  # ProtectControlGroups= mounts over it
X mkdir -p /opt/llmon-e2e
cp -a "$GPU" "$NSPAWN_ROOT/opt/llmon-e2e/sys"
dropin gpu-fixture $'[Service]\nBindReadOnlyPaths=/opt/llmon-e2e/sys:/sys'
X systemctl restart llmon.service
check "the rocm_smi backend finds the fixture's two GPUs under the full sandbox" \
  wait_metric '^llmon_gpu_devices\{backend="rocm_smi"\} 2$' 20
check "its mutexes are in the shared /dev/shm, owned by llmon" \
  bash -c "[[ \$(X stat -c %U /dev/shm/rocm_smi_card0) == llmon ]]"
inode_before="$(X stat -c %i /dev/shm/rocm_smi_card0)"
restarts_before="$(prop llmon.service NRestarts)"
X kill -KILL "$(main_pid)"
check "killed (as an assert() in the library would), it is restarted" \
  bash -c "for i in \$(seq 1 100); do [[ \$(prop llmon.service NRestarts) -gt $restarts_before && \$(X systemctl is-active llmon) == active ]] && exit 0; sleep 0.2; done; exit 1"
check "and finds its GPUs again: RemoveIPC= deleted the mutex the dead process may have held" \
  bash -c "wait_metric '^llmon_gpu_devices\{backend=\"rocm_smi\"\} 2$' 20 && [[ \$(X stat -c %i /dev/shm/rocm_smi_card0) != $inode_before ]]"
undrop gpu-fixture
X systemctl restart llmon.service

phase "upgrade, remove, purge"
pid_before="$(main_pid)"
X apt-get install -y --reinstall /var/tmp/llmon.deb > "$WORK/apt-reinstall.log" 2>&1
check "an upgrade (reinstall) restarts the running service" \
  bash -c "nspawn_wait_state llmon.service active > /dev/null && [[ \$(main_pid) != $pid_before ]]"
X systemctl disable --quiet llmon.service
X apt-get install -y --reinstall /var/tmp/llmon.deb > "$WORK/apt-reinstall2.log" 2>&1
check "an upgrade keeps the admin's 'systemctl disable'" \
  bash -c "[[ \$(X systemctl is-enabled llmon) == disabled ]]"
X systemctl enable --quiet llmon.service
X apt-get remove -y llmon > "$WORK/apt-remove.log" 2>&1
check "apt-get remove stops the service: no llmon process left" \
  bash -c "! X sh -c 'cat /proc/[0-9]*/comm 2>/dev/null' | grep -qx llmon"
check "the binary and the unit are gone" \
  X test ! -e /usr/bin/llmon -a ! -e /usr/lib/systemd/system/llmon.service
check "configuration and state stay until purge" \
  X test -f /etc/llmon/llmon.toml -a -f /var/lib/private/llmon/marker
X apt-get purge -y llmon > "$WORK/apt-purge.log" 2>&1
check "apt-get purge removes the configuration and the state" \
  X test ! -e /etc/llmon -a ! -e /var/lib/llmon -a ! -e /var/lib/private/llmon
check "and leaves no trace in systemd" \
  bash -c "! X systemctl list-unit-files llmon.service | grep -q llmon && ! X test -e /etc/systemd/system/multi-user.target.wants/llmon.service"

phase "done"
echo "container suite: $(($(date +%s) - START)) s; exposure $SCORE (with the ollama drop-in $SCORE_OLLAMA)"
dump_on_failure
finish
