#!/usr/bin/env bash
# Init step (backup image, restoreFromStore only): on the primary's first
# start, downloads the base backup a new cluster restores from out of the
# object store, decrypting and unpacking it in one stream, into
# DATA_ROOT/RESTORE_DOWNLOAD_NAME, renamed there only when whole; init-data
# then restores from it as from a claim. It runs in the backup image because
# tar is confirmed there for both flavors (not in the mysql server image), and
# it is the only container that holds the store's credentials. A crash at any
# line leaves at most a ".partial" download, which the next run replaces.
set -euo pipefail
# shellcheck source=lib.sh
source "${0%/*}/lib.sh"  # scripts run by path (bash $SCRIPTS/NAME), so no dirname process
# shellcheck source=store-lib.sh
source "${0%/*}/store-lib.sh"

download=$DATA_ROOT/$RESTORE_DOWNLOAD_NAME
if [[ -d $DATADIR ]]; then
  # Restored already (or not a first start): a download left by a crash after init-data's rename goes.
  rm -rf "$download" "$download.partial"
  log "data directory present; nothing to download"
  exit 0
fi
if (( $(ordinal) != $(primary_ordinal) )); then
  log "not the primary: a replica clones, it does not restore"
  exit 0
fi
if [[ -f $download/$BACKUP_INFO ]]; then
  log "backup already downloaded ($(tr '\n' ' ' <"$download/$BACKUP_INFO"))"
  exit 0
fi

{ store_setup "$RESTORE_FROM_STORE" && store_check --read-only; } ||
  die "cannot restore from the object store (setting restoreFromStore \"$RESTORE_FROM_STORE\")"
backup=${RESTORE_BACKUP:-latest}
if [[ $backup == latest ]]; then
  backup=$(store_complete_backups | tail -n 1)
  [[ -n $backup ]] || die "the object store holds no complete backup under \"$RESTORE_FROM_STORE\" (setting restoreFromStore)"
fi
rm -rf "$download" "$download.partial"
mkdir -p "$download.partial"
log "downloading backup $backup from the object store (prefix $RESTORE_FROM_STORE)"
started=$(date +%s)
manifest=$(store_fetch_backup "$backup" "$download.partial") ||
  die "backup \"$backup\" (setting restoreBackup) could not be restored from the object store"
# The manifest (written last at upload) marks the download whole, and says what it is.
printf 'name=%s\n%s\n' "$backup" "$manifest" >"$download.partial/$BACKUP_INFO"
mv "$download.partial" "$download"
log "downloaded backup $backup in $(( $(date +%s) - started ))s ($(tr '\n' ' ' <"$download/$BACKUP_INFO"))"
