#!/usr/bin/env bash
# Startup, liveness and readiness probes, with no credentials at all:
# startup and liveness ask the server to answer a ping over the socket (an
# "access denied" answer still proves it is alive); readiness reads the
# verdict the sidecar keeps fresh (readiness-verdict.sh). A stale verdict
# (sidecar stuck or gone) counts as not ready. Readiness runs every second on
# every pod, so it starts no process of its own: the verdict carries the time
# it was written.
set -euo pipefail
# shellcheck source=lib.sh
source "${0%/*}/lib.sh"  # scripts run by path (bash $SCRIPTS/NAME), so no dirname process

# The kubelet probes every second (builders/statefulset.ts). A startup or
# readiness probe that failed at once would leave a server that starts, or a
# verdict that turns ready, just after it waiting out the rest of the period:
# on average half a second per probe, twice per new pod (BENCHMARKS.md, fixed
# cost per replica). So those two look again every 0.1 s for up to 0.8 s, under
# the period and far under the 5 s timeout, before they fail. A passing probe
# (every probe of a Ready pod) returns at once; only waiting forks (the pipe).
readonly PROBE_WAIT_TENTHS=8
pause_fd=""
pause_tenth() {
  [[ -n $pause_fd ]] || exec {pause_fd}<> <(:)  # a pipe nobody writes to: read -t waits on it
  read -rt 0.1 -u "$pause_fd" _ || true
}

# Sets reason and returns 1 unless the sidecar's verdict is fresh and ready.
reason=""
verdict_ready() {
  [[ -f $READINESS_FILE ]] || { reason="not ready: the sidecar has not judged readiness yet"; return 1; }
  local written="" verdict="" now age
  read -r written verdict <"$READINESS_FILE" || true
  printf -v now '%(%s)T' -1
  [[ $written =~ ^[0-9]+$ ]] || { reason="not ready: the sidecar's verdict has no time"; return 1; }
  age=$(( now - written ))
  (( age <= 30 )) || { reason="not ready: the sidecar's verdict is ${age}s old"; return 1; }
  [[ $verdict == ready ]] || { reason=$verdict; return 1; }
}

mode=${1:?usage: probe.sh startup|liveness|readiness}
case $mode in
  startup)
    # No socket until the server listens: wait for it a little, then ping.
    tries=0
    while [[ ! -S $SOCKET ]] && (( tries++ < PROBE_WAIT_TENTHS )); do pause_tenth; done
    "$DB_ADMIN" --no-defaults --socket="$SOCKET" "$SOCKET_TLS_OFF" --user=probe --connect-timeout=3 ping >/dev/null
    ;;
  liveness)
    # A replica being re-cloned has its server stopped on purpose.
    [[ -f $RECLONE_MARKER ]] && exit 0
    "$DB_ADMIN" --no-defaults --socket="$SOCKET" "$SOCKET_TLS_OFF" --user=probe --connect-timeout=3 ping >/dev/null
    ;;
  readiness)
    tries=0
    until verdict_ready; do
      (( tries++ < PROBE_WAIT_TENTHS )) || { echo "$reason"; exit 1; }
      pause_tenth
    done
    ;;
  *) die "unknown probe \"$mode\"" ;;
esac
