#!/usr/bin/env bash
# Decides whether this pod should receive reads, printing "ready" or
# "not ready: <why>" (exit 0 / 1). The sidecar runs it on every loop with
# root's working password and leaves the verdict where the readiness probe
# reads it, so probes need no credentials and survive password rotation.
# The primary (the ordinal the topology names) must be writable; a replica
# must be replicating with its heartbeat lag within MAX_READ_LAG_SECONDS.
set -euo pipefail
# shellcheck source=lib.sh
source "${0%/*}/lib.sh"  # scripts run by path (bash $SCRIPTS/NAME), so no dirname process

if is_wanted_primary; then
  read_only=$(sql_root -e 'SELECT @@global.read_only') || { echo "not ready: the server does not answer"; exit 1; }
  [[ $read_only == 0 ]] || { echo "not ready: the primary does not take writes yet"; exit 1; }
  echo ready
  exit 0
fi
state=$(replication_state sql_root) || { echo "not ready: cannot read the replication state"; exit 1; }
read -r io sql lag _ <<<"$state"
if [[ $sql != Yes || $io == No || $io == none ]]; then echo "not ready: replication io=$io sql=$sql"; exit 1; fi
if ! [[ $lag =~ ^[0-9]+$ ]] || (( lag > MAX_READ_LAG_SECONDS )); then
  echo "not ready: lag ${lag}s exceeds ${MAX_READ_LAG_SECONDS}s"
  exit 1
fi
echo ready
