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
source "$(dirname "$0")/lib.sh"

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
require_password monitor-password

# Prefer the nearest lower ordinal that is a running, caught-up replica, so the
# primary is spared the backup's load; fall back to the primary.
choose_source() {
  local candidate state io sql lag
  for (( candidate = ord - 1; candidate >= 0; candidate-- )); do
    (( candidate == primary )) && continue
    if ! state=$(replication_state sql_remote "$(peer_host "$candidate")" monitor monitor-password 2>/dev/null); then
      log "not cloning from ordinal $candidate: it does not answer"
      continue
    fi
    read -r io sql lag _ <<<"$state"
    if [[ $io == Yes && $sql == Yes && $lag =~ ^[0-9]+$ ]] && (( lag <= MAX_READ_LAG_SECONDS )); then
      printf '%s\n' "$candidate"
      return
    fi
    log "not cloning from ordinal $candidate: replication io=$io sql=$sql lag=${lag}s"
  done
  printf '%s\n' "$primary"
}

source_ordinal=$(choose_source)
source_host=$(peer_host "$source_ordinal")
rm -rf "$STAGING"
mkdir -p "$STAGING"
log "cloning from $source_host"
started=$(date +%s)
socat -u "OPENSSL:$source_host:$BACKUP_PORT,$(stream_tls_options),connect-timeout=10" STDOUT | "$STREAM_TOOL" -x -C "$STAGING" ||
  die "the backup stream from $source_host broke off; the partial copy will be discarded on the next attempt"
[[ -f $STAGING/$STREAM_END_MARKER ]] ||
  die "the backup stream from $source_host ended before its end marker; the partial copy will be discarded on the next attempt"
log "stream complete after $(( $(date +%s) - started ))s; preparing"

"$BACKUP_TOOL" --prepare --target-dir="$STAGING" --use-memory=256M >"$DATA_ROOT/prepare.log" 2>&1 ||
  die "preparing the backup failed: $(tail -5 "$DATA_ROOT/prepare.log")"

# The replication position the clone is consistent with. From a replica it is
# that replica's applied position (slave info); from the primary, its binlog position.
gtid=""
if [[ -s $STAGING/xtrabackup_slave_info ]]; then
  gtid=$(sed -n "s/.*gtid_slave_pos *= *'\([^']*\)'.*/\1/p" "$STAGING/xtrabackup_slave_info" | head -n 1)
fi
if [[ -z $gtid && -s $STAGING/xtrabackup_binlog_info ]]; then
  gtid=$(awk '{ for (i = 3; i <= NF; i++) printf "%s", $i }' "$STAGING/xtrabackup_binlog_info")
fi
[[ -n $gtid ]] || die "the backup from $source_host records no GTID position"
printf '%s\n' "$gtid" >"$STAGING/$CLONE_GTID_FILE"
rm -f "$STAGING/$STREAM_END_MARKER" "$STAGING/$REPLICATION_DONE"
touch "$STAGING/$PREPARED_MARKER"

# The swap: each step is a rename on one filesystem; recover_interrupted_swap
# completes or undoes it after a crash between the two.
[[ -d $DATADIR ]] && mv "$DATADIR" "$DATA_OLD"
mv "$STAGING" "$DATADIR"
rm -rf "$DATA_OLD" "$RECLONE_MARKER"
log "cloned from $source_host at GTID $gtid in $(( $(date +%s) - started ))s"
