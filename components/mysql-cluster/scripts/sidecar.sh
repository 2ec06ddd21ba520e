#!/usr/bin/env bash
# The sidecar (backup image): serves hot backups to pods that clone from this
# one, and keeps this pod's role set up: on the primary it applies the users
# and settings once the server is up; on a replica it configures replication,
# again after any restart until it has completed, and re-clones when the
# primary no longer has the binary logs the replica needs.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

ord=$(ordinal)
require_password ROOT_PASSWORD root-password
socat "TCP-LISTEN:$BACKUP_PORT,reuseaddr,fork" EXEC:"bash $SCRIPTS/serve-backup.sh" &
listener=$!
trap 'kill "$listener" 2>/dev/null || true; exit 0' TERM INT
log "serving backups on port $BACKUP_PORT"

users_applied=no
last_error=""
while kill -0 "$listener" 2>/dev/null; do
  if error=$(sql_local root ROOT_PASSWORD -e 'SELECT 1' 2>&1 >/dev/null); then
    last_error=""
    if (( ord == 0 )); then
      if [[ $users_applied == no ]] && bash "$SCRIPTS/ensure-users.sh"; then users_applied=yes; fi
    else
      status=0
      bash "$SCRIPTS/configure-replication.sh" || status=$?
      if (( status == 3 )); then bash "$SCRIPTS/reclone.sh" || log "re-clone failed; trying again"; fi
    fi
  elif [[ $error == *"Access denied"* && $error != "$last_error" ]]; then
    # Said once, not every loop: the Secret and the server disagree on root's password.
    log "ERROR: the server refuses ROOT_PASSWORD (Secret $SECRET_NAME, key root-password): $error"
    last_error=$error
  fi
  sleep 2 & wait $!
done
die "the backup listener exited"
