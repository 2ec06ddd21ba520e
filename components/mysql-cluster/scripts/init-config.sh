#!/usr/bin/env bash
# Init step 1: assemble the server configuration from the ConfigMap's files,
# with a unique server id from the pod's ordinal. Every server starts
# read-only whatever its role: the sidecar opens the primary for writes only
# once that is safe (promote.sh), so a restarted or demoted pod can never take
# writes beside another primary. Written to a temporary file and renamed, so a
# crash never leaves half a configuration.
set -euo pipefail
# shellcheck source=lib.sh
source "${0%/*}/lib.sh"  # scripts run by path (bash $SCRIPTS/NAME), so no dirname process

ord=$(ordinal)
conf_dir=$(dirname "$CONF")

{
  cat "$SCRIPTS/$SERVER_CNF_NAME" "$SCRIPTS/start-read-only.cnf"
  printf '\n[mysqld]\n# server ids start at 100 so that 0 (which disables replication) never occurs\nserver_id = %d\nreport_host = %s\n' \
    "$(server_id)" "$(peer_host "$ord")"
} >"$conf_dir/my.cnf.tmp"
mv "$conf_dir/my.cnf.tmp" "$CONF"
log "configured with server_id $(server_id); the primary is ordinal $(primary_ordinal)"
