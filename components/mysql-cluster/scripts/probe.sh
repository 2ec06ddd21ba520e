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

mode=${1:?usage: probe.sh startup|liveness|readiness}
case $mode in
  startup)
    "$DB_ADMIN" --no-defaults --socket="$SOCKET" "$SOCKET_TLS_OFF" --user=probe --connect-timeout=3 ping >/dev/null
    ;;
  liveness)
    # A replica being re-cloned has its server stopped on purpose.
    [[ -f $RECLONE_MARKER ]] && exit 0
    "$DB_ADMIN" --no-defaults --socket="$SOCKET" "$SOCKET_TLS_OFF" --user=probe --connect-timeout=3 ping >/dev/null
    ;;
  readiness)
    [[ -f $READINESS_FILE ]] || { echo "not ready: the sidecar has not judged readiness yet"; exit 1; }
    read -r written verdict <"$READINESS_FILE" || true
    printf -v now '%(%s)T' -1
    [[ $written =~ ^[0-9]+$ ]] || { echo "not ready: the sidecar's verdict has no time"; exit 1; }
    age=$(( now - written ))
    (( age <= 30 )) || { echo "not ready: the sidecar's verdict is ${age}s old"; exit 1; }
    [[ $verdict == ready ]] || { echo "$verdict"; exit 1; }
    ;;
  *) die "unknown probe \"$mode\"" ;;
esac
