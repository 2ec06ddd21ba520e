#!/usr/bin/env bash
# The scheduled backup (the CronJob's pod, backup image): takes a hot physical
# backup from a caught-up replica (from the primary only when there is none)
# over the same mutual-TLS stream replicas clone from, prepares it so that a
# restore is a plain copy, records its position, and only then renames it into
# place as BACKUPS_DIR/<UTC start time>. Then it keeps the newest BACKUP_RETENTION
# complete backups. A run cut off anywhere leaves only a ".partial" directory,
# which the next run removes; a complete backup is never half-deleted by it.
set -euo pipefail
# shellcheck source=lib.sh
source "${0%/*}/lib.sh"  # scripts run by path (bash $SCRIPTS/NAME), so no dirname process

require_password "$SECRET_KEY_MONITOR"
require_password "$SECRET_KEY_BACKUP"  # the stream token (lib.sh stream_token)
[[ -d $BACKUPS_DIR && -w $BACKUPS_DIR ]] || die "the backup volume is not mounted writable at $BACKUPS_DIR"
[[ ${BACKUP_RETENTION:-} =~ ^[1-9][0-9]*$ ]] || die "BACKUP_RETENTION \"${BACKUP_RETENTION:-}\" is not a positive number"
[[ ${CLUSTER_SIZE:-} =~ ^[1-9][0-9]*$ ]] || die "CLUSTER_SIZE \"${CLUSTER_SIZE:-}\" is not a positive number"

for partial in "$BACKUPS_DIR"/*.partial; do
  [[ -e $partial ]] || continue
  log "removing ${partial##*/}, left by a backup that did not finish"
  rm -rf "$partial"
done

primary=$(primary_ordinal)
if ! source_ordinal=$(caught_up_replica_below "$CLUSTER_SIZE"); then
  log "no caught-up replica to back up from; taking the backup from the primary"
  source_ordinal=$primary
fi
source_host=$(peer_host "$source_ordinal")
name=$(date -u +%Y%m%dT%H%M%SZ)
work=$BACKUPS_DIR/$name.partial
mkdir "$work"
log "backing up $source_host into $name"
started=$(date +%s)
receive_backup "$source_host" "$work"
gtid=$(backup_position "$work") || die "the backup from $source_host records no GTID position"
printf 'gtid=%s\nsource=%s\nflavor=%s\nfinished=%s\n' "$gtid" "$source_host" "$FLAVOR" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$work/$BACKUP_INFO"
mv "$work" "$BACKUPS_DIR/$name"
log "backup $name complete in $(( $(date +%s) - started ))s: $(du -sh "$BACKUPS_DIR/$name" | cut -f1) at GTID $gtid"

mapfile -t complete < <(complete_backups "$BACKUPS_DIR")
for (( i = 0; i + BACKUP_RETENTION < ${#complete[@]}; i++ )); do
  # Renamed out of the backup name space first, so a crash mid-delete leaves a ".partial" for the next run.
  mv "$BACKUPS_DIR/${complete[i]}" "$BACKUPS_DIR/${complete[i]}.partial"
  rm -rf "${BACKUPS_DIR:?}/${complete[i]}.partial"
  log "removed backup ${complete[i]} (keeping the newest $BACKUP_RETENTION)"
done
