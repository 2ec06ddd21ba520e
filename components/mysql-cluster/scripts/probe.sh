#!/usr/bin/env bash
# Startup, liveness and readiness probes, as the least-privileged monitor user.
# Readiness: the primary must be writable; a replica must be replicating with
# its heartbeat lag within MAX_READ_LAG_SECONDS, so a lagging or stopped
# replica leaves the read Service until it catches up.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

mode=${1:?usage: probe.sh startup|liveness|readiness}
require_password MONITOR_PASSWORD monitor-password
case $mode in
  startup)
    sql_local monitor MONITOR_PASSWORD -e 'SELECT 1' >/dev/null
    ;;
  liveness)
    # A replica being re-cloned has its server stopped on purpose.
    [[ -f $RECLONE_MARKER ]] && exit 0
    sql_local monitor MONITOR_PASSWORD -e 'SELECT 1' >/dev/null
    ;;
  readiness)
    if (( $(ordinal) == 0 )); then
      read_only=$(sql_local monitor MONITOR_PASSWORD -e 'SELECT @@global.read_only')
      [[ $read_only == 0 ]] || { echo "not ready: the primary is read-only"; exit 1; }
      exit 0
    fi
    state=$(replication_state sql_local monitor MONITOR_PASSWORD) || { echo "not ready: cannot read replication state"; exit 1; }
    read -r io sql lag _ <<<"$state"
    if [[ $sql != Yes || $io == No || $io == none ]]; then echo "not ready: replication io=$io sql=$sql"; exit 1; fi
    if ! [[ $lag =~ ^[0-9]+$ ]] || (( lag > MAX_READ_LAG_SECONDS )); then
      echo "not ready: lag ${lag}s exceeds ${MAX_READ_LAG_SECONDS}s"
      exit 1
    fi
    ;;
  *) die "unknown probe \"$mode\"" ;;
esac
