#!/usr/bin/env bash
# Replaces a replica's data with a fresh clone when it can no longer catch up
# (the primary purged the binary logs it needs). The marker keeps the server
# container from starting while the data is swapped, and survives a pod
# restart, where the clone-data init step finishes the job instead.
set -euo pipefail
# shellcheck source=lib.sh
source "${0%/*}/lib.sh"  # scripts run by path (bash $SCRIPTS/NAME), so no dirname process

is_wanted_primary && die "the primary is never re-cloned"
touch "$RECLONE_MARKER"
log "re-cloning this replica: stopping the server"
sql_root -e 'SHUTDOWN' || true
server_stopped() { [[ ! -e $PID_FILE ]]; }
wait_until 600 "the server to shut down before the re-clone" server_stopped
bash "$SCRIPTS/clone-data.sh"
