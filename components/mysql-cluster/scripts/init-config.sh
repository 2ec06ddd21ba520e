#!/usr/bin/env bash
# Init step 1: derive the pod's role (ordinal 0 is the primary) and a unique
# server id from its ordinal, and assemble the server configuration from the
# ConfigMap's files. Written to a temporary file and renamed, so a crash never
# leaves half a configuration.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

ord=$(ordinal)
role=replica
(( ord == 0 )) && role=primary
conf_dir=$(dirname "$CONF")

{
  cat "$SCRIPTS/server.cnf" "$SCRIPTS/$role.cnf"
  printf '\n[mysqld]\n# server ids start at 100 so that 0 (which disables replication) never occurs\nserver_id = %d\nreport_host = %s\n' \
    "$((100 + ord))" "$(peer_host "$ord")"
} >"$conf_dir/my.cnf.tmp"
mv "$conf_dir/my.cnf.tmp" "$CONF"
log "configured as $role with server_id $((100 + ord))"
