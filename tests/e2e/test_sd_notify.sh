#!/usr/bin/env bash
# The systemd notification protocol as llmon speaks it, against a stand-in notification
# socket (tests/support/notify_listener): READY only once the port is bound, RELOADING/READY
# around SIGHUP, a STATUS line, watchdog pings from the network thread, STOPPING.
# tests/e2e/systemd/ checks the same under a real systemd.
source "$(dirname "$0")/lib.sh"
: "${LLMON_NOTIFY_LISTENER:?set by ctest}"

NOTES="$WORK/notify.log"  # appended to, so a test can truncate it between steps
"$LLMON_NOTIFY_LISTENER" "$WORK/notify.sock" >> "$NOTES" 2>"$WORK/listener.err" &
FAKE_PIDS+=("$!")
for _ in $(seq 1 100); do [[ -S "$WORK/notify.sock" ]] && break; sleep 0.05; done

# wait_note REGEX [seconds]: polls the notification log until a line matches.
wait_note() {
  local deadline=$(($(date +%s) + ${2:-10}))
  while (($(date +%s) <= deadline)); do
    grep -Eq -- "$1" "$NOTES" && return 0
    sleep 0.05
  done
  echo "no notification matching $1; got:" >&2
  cat "$NOTES" >&2
  return 1
}
pings() { grep -c ' WATCHDOG=1$' "$NOTES" || true; }

cat > "$WORK/llmon.toml" <<TOML
[gpu]
backend = "none"
$NO_OLLAMA
TOML

export NOTIFY_SOCKET="$WORK/notify.sock" WATCHDOG_USEC=400000
start_llmon --config "$WORK/llmon.toml"
check "READY=1 comes with a STATUS naming the port actually bound" \
  wait_note "^[0-9]+ READY=1 STATUS=serving on 127\.0\.0\.1:$LLMON_PORT\$"
check "READY=1 is the first notification" \
  bash -c "head -1 '$NOTES' | grep -q ' READY=1 '"

# WatchdogSec=400ms: a ping every 200 ms.
before=$(pings)
sleep 1.2
after=$(pings)
check "the watchdog is pinged every WATCHDOG_USEC/2 ($((after - before)) pings in 1.2 s)" \
  test $((after - before)) -ge 3 -a $((after - before)) -le 8

kill -STOP "$LLMON_PID"
sleep 0.2  # a ping already in flight may still land
before=$(pings)
sleep 1
after=$(pings)
kill -CONT "$LLMON_PID"
check "a stopped daemon sends no pings (systemd's watchdog then fires)" test "$after" -eq "$before"
check "pings resume after SIGCONT" \
  bash -c "for i in \$(seq 1 40); do [[ \$(grep -c ' WATCHDOG=1\$' '$NOTES') -gt $after ]] && exit 0; sleep 0.05; done; exit 1"

: > "$NOTES"
kill -HUP "$LLMON_PID"
check "SIGHUP: RELOADING=1 with MONOTONIC_USEC" wait_note '^[0-9]+ RELOADING=1 MONOTONIC_USEC=[0-9]+$'
check "SIGHUP: READY=1 once the reload is done" wait_note "^[0-9]+ READY=1 STATUS=serving on "
check "RELOADING comes before READY" \
  bash -c "grep -v WATCHDOG '$NOTES' | head -1 | grep -q RELOADING=1"

printf '[web]\nlisten = 1\n' > "$WORK/llmon.toml"
: > "$NOTES"
kill -HUP "$LLMON_PID"
check "a failed reload still ends with READY=1, and STATUS says it failed" \
  wait_note "^[0-9]+ READY=1 STATUS=serving on 127\.0\.0\.1:$LLMON_PORT; the last reload failed"

kill -TERM "$LLMON_PID"
check "SIGTERM: STOPPING=1" wait_note '^[0-9]+ STOPPING=1 STATUS=stopping$'
stop_llmon TERM 2>/dev/null || true

# Without WatchdogSec= there are no pings.
unset WATCHDOG_USEC
printf '[gpu]\nbackend = "none"\n%s\n' "$NO_OLLAMA" > "$WORK/llmon.toml"
: > "$NOTES"
start_llmon --config "$WORK/llmon.toml"
wait_note ' READY=1 ' >/dev/null
sleep 0.5
check "no WATCHDOG_USEC: no pings" test "$(pings)" -eq 0
stop_llmon TERM

finish
