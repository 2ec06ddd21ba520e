#!/usr/bin/env bash
# Startup, liveness and readiness probes, with no credentials at all:
# startup and liveness ask the server to answer a ping over the socket (an
# "access denied" answer still proves it is alive); readiness reads the
# verdict the sidecar keeps fresh (readiness-verdict.sh). A stale verdict
# (sidecar stuck or gone) counts as not ready.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

mode=${1:?usage: probe.sh startup|liveness|readiness}
case $mode in
  startup)
    "$DB_ADMIN" --no-defaults --socket="$SOCKET" --user=probe --connect-timeout=3 ping >/dev/null
    ;;
  liveness)
    # A replica being re-cloned has its server stopped on purpose.
    [[ -f $RECLONE_MARKER ]] && exit 0
    "$DB_ADMIN" --no-defaults --socket="$SOCKET" --user=probe --connect-timeout=3 ping >/dev/null
    ;;
  readiness)
    [[ -f $READINESS_FILE ]] || { echo "not ready: the sidecar has not judged readiness yet"; exit 1; }
    age=$(( $(date +%s) - $(stat -c %Y "$READINESS_FILE") ))
    (( age <= 30 )) || { echo "not ready: the sidecar's verdict is ${age}s old"; exit 1; }
    verdict=$(<"$READINESS_FILE")
    [[ $verdict == ready ]] || { echo "$verdict"; exit 1; }
    ;;
  *) die "unknown probe \"$mode\"" ;;
esac
