#!/usr/bin/env bash
# The scheduled backup (the CronJob's pod, backup image): takes a hot physical
# backup from a caught-up replica (from the primary only when there is none)
# over the same mutual-TLS stream replicas clone from, prepares it so that a
# restore is a plain copy, records its position, and only then renames it into
# place as BACKUPS_DIR/<UTC start time>. Then it keeps the newest BACKUP_RETENTION
# complete backups. A run cut off anywhere leaves only a ".partial" directory,
# which the next run removes; a complete backup is never half-deleted by it.
# With BACKUP_TARGET store or both (issue 17) it also streams the backup as one
# tar, encrypted by rclone's crypt, to the object store as
# STORE_BASE/<name>/STORE_DATA_NAME and then writes STORE_MANIFEST_NAME beside
# it, last: a backup in the store without a manifest does not exist, and the
# next run removes it. With store, BACKUPS_DIR is a scratch volume and the
# local copy goes once uploaded; with both it stays as with claim.
set -euo pipefail
# shellcheck source=lib.sh
source "${0%/*}/lib.sh"  # scripts run by path (bash $SCRIPTS/NAME), so no dirname process
# shellcheck source=store-lib.sh
source "${0%/*}/store-lib.sh"

require_password "$SECRET_KEY_MONITOR"
require_password "$SECRET_KEY_BACKUP"  # the stream token (lib.sh stream_token)
[[ -d $BACKUPS_DIR && -w $BACKUPS_DIR ]] || die "the backup volume is not mounted writable at $BACKUPS_DIR"
[[ ${BACKUP_RETENTION:-} =~ ^[1-9][0-9]*$ ]] || die "BACKUP_RETENTION \"${BACKUP_RETENTION:-}\" is not a positive number"
[[ ${CLUSTER_SIZE:-} =~ ^[1-9][0-9]*$ ]] || die "CLUSTER_SIZE \"${CLUSTER_SIZE:-}\" is not a positive number"
case ${BACKUP_TARGET:=claim} in
  claim) to_store=false ;;
  store|both) to_store=true ;;
  *) die "BACKUP_TARGET \"$BACKUP_TARGET\" is none of claim, store, both (setting backupTarget)" ;;
esac

if [[ $to_store == true ]]; then
  # One line (store_setup/store_check say what) and a failed Job when the store cannot be used.
  store_setup "$STORE_PREFIX" || die "the object store is not usable (settings backupStore*); no backup taken"
  store_check || die "the object store is not usable (settings backupStore*); no backup taken"
  # A run cut off mid-upload left a base backup without its manifest: it never was a backup.
  while IFS= read -r entry; do
    entry=${entry%/}
    [[ $entry =~ $BACKUP_NAME_PATTERN ]] || continue
    [[ -n $(store_list "$STORE_BASE/$entry/$STORE_MANIFEST_NAME") ]] && continue
    log "removing $entry from the store, left by an upload that did not finish"
    store_delete "$STORE_BASE/$entry/"
  done < <(store_list "$STORE_BASE/")
fi

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
started_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)
receive_backup "$source_host" "$work"
gtid=$(backup_position "$work") || die "the backup from $source_host records no GTID position"
printf 'gtid=%s\nsource=%s\nflavor=%s\nstarted=%s\nfinished=%s\n' "$gtid" "$source_host" "$FLAVOR" "$started_at" \
  "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$work/$BACKUP_INFO"
mv "$work" "$BACKUPS_DIR/$name"
log "backup $name complete in $(( $(date +%s) - started ))s: $(du -sh "$BACKUPS_DIR/$name" | cut -f1) at GTID $gtid"

if [[ $to_store == true ]]; then
  uploading=$(date +%s)
  bytes=$(du -sb "$BACKUPS_DIR/$name" | cut -f1)
  store_expect_bytes "$bytes"
  # One stream: tar reads the prepared files, rclone encrypts and uploads in chunks (no copy, no whole file in memory).
  tar -C "$BACKUPS_DIR/$name" -cf - . | store_put "$STORE_BASE/$name/$STORE_DATA_NAME" ||
    die "uploading $name to the object store failed (see the line above); it is not listed as a backup, the next run removes it"
  { cat "$BACKUPS_DIR/$name/$BACKUP_INFO"; printf 'bytes=%s\n' "$bytes"; } |
    store_put "$STORE_BASE/$name/$STORE_MANIFEST_NAME" ||
    die "writing the manifest of $name to the object store failed; it is not listed as a backup, the next run removes it"
  log "uploaded $name to the object store in $(( $(date +%s) - uploading ))s ($bytes bytes, encrypted)"
  if [[ $BACKUP_TARGET == store ]]; then
    # The scratch copy: renamed out of the name space first, as for retention below.
    mv "$BACKUPS_DIR/$name" "$BACKUPS_DIR/$name.partial"
    rm -rf "${BACKUPS_DIR:?}/$name.partial"
  fi
  mapfile -t stored < <(store_complete_backups)
  for (( i = 0; i + BACKUP_RETENTION < ${#stored[@]}; i++ )); do
    # The manifest first: from then on it is not a backup, and a cut-off delete is removed by the next run.
    store_delete "$STORE_BASE/${stored[i]}/$STORE_MANIFEST_NAME"
    store_delete "$STORE_BASE/${stored[i]}/"
    log "removed ${stored[i]} from the object store (keeping the newest $BACKUP_RETENTION)"
  done
fi

mapfile -t complete < <(complete_backups "$BACKUPS_DIR")
for (( i = 0; i + BACKUP_RETENTION < ${#complete[@]}; i++ )); do
  # Renamed out of the backup name space first, so a crash mid-delete leaves a ".partial" for the next run.
  mv "$BACKUPS_DIR/${complete[i]}" "$BACKUPS_DIR/${complete[i]}.partial"
  rm -rf "${BACKUPS_DIR:?}/${complete[i]}.partial"
  log "removed backup ${complete[i]} (keeping the newest $BACKUP_RETENTION)"
done
