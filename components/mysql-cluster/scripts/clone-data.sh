#!/usr/bin/env bash
# Init step 2 (backup image), and the sidecar's re-clone: on a replica's first
# start, stream a hot physical backup from a healthy peer over mutual TLS
# (only pods holding the cluster's certificate are served), check that the
# stream arrived whole (its last file is an end marker the sender adds only
# after the backup succeeded), prepare it, and only then rename it into place.
# A clone cut off at any point leaves only the staging directory, which the
# next attempt discards; DATADIR is always complete data or absent.
set -euo pipefail
# shellcheck source=lib.sh
source "${0%/*}/lib.sh"  # scripts run by path (bash $SCRIPTS/NAME), so no dirname process

ord=$(ordinal)
recover_interrupted_swap
if [[ -d $DATADIR && ! -f $RECLONE_MARKER ]]; then
  log "data directory present; not cloning"
  exit 0
fi
primary=$(primary_ordinal)
if (( ord == primary )); then
  log "the primary is initialised by init-data, not cloned"
  exit 0
fi
require_password "$SECRET_KEY_MONITOR"
require_password "$SECRET_KEY_BACKUP"  # the stream token (lib.sh stream_token)

# The nearest lower caught-up replica, else the primary if it answers, else
# the most advanced replica that answers (lib.sh clone_source): a retry never
# waits on a lost primary.
source_ordinal=$(clone_source "$ord") || die "no member answers to clone from; trying again"
source_host=$(peer_host "$source_ordinal")
rm -rf "$STAGING"
mkdir -p "$STAGING"
log "cloning from $source_host"
started=$(date +%s)
receive_backup "$source_host" "$STAGING"
gtid=$(backup_position "$STAGING") || die "the backup from $source_host records no GTID position"
printf '%s\n' "$gtid" >"$STAGING/$CLONE_GTID_FILE"
rm -f "$STAGING/$REPLICATION_DONE"
touch "$STAGING/$PREPARED_MARKER"

# The swap: each step is a rename on one filesystem; recover_interrupted_swap
# completes or undoes it after a crash between the two.
[[ -d $DATADIR ]] && mv "$DATADIR" "$DATA_OLD"
mv "$STAGING" "$DATADIR"
[[ -d $DATA_OLD ]] && keep_errant_binlogs "$DATA_OLD"
rm -rf "$DATA_OLD" "$RECLONE_MARKER"
log "cloned from $source_host at GTID $gtid in $(( $(date +%s) - started ))s"
