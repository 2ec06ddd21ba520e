#!/usr/bin/env bash
# The database container: starts the server explicitly with the assembled
# configuration, in the foreground, so the pod spec says everything that runs.
# While the sidecar re-clones this replica the server must stay down.
set -euo pipefail
# shellcheck source=lib.sh
source "${0%/*}/lib.sh"  # scripts run by path (bash $SCRIPTS/NAME), so no dirname process

while [[ -f $RECLONE_MARKER ]]; do
  log "a re-clone is in progress; the server starts when it is done"
  sleep 5
done
[[ -f $CONF ]] || die "no server configuration at $CONF: the init-config step did not run"
[[ -d $DATADIR ]] || die "no data directory at $DATADIR: the init steps did not create one"
exec "$DB_SERVER" --defaults-file="$CONF"
