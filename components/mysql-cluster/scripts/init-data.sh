#!/usr/bin/env bash
# Init step 3 (server image): writes the metrics exporter's login, and on the
# primary's first start creates its data directory: empty, or a copy of a
# backup (setting restoreFromClaim, or restoreFromStore: streamed from the
# object store and unpacked; backups are stored prepared, so this is a plain
# copy). Then it sets root's password and the cluster's users from the
# Secret. The server runs without networking meanwhile, so the moment root has
# no password (or the restored one, before it is replaced) is never reachable
# from outside. Work happens in a staging directory that is renamed into place
# only when complete; a crash at any line starts it over.
set -euo pipefail
# shellcheck source=lib.sh
source "${0%/*}/lib.sh"  # scripts run by path (bash $SCRIPTS/NAME), so no dirname process

# Before the exporter container starts, so it does not crash-loop waiting.
write_exporter_config >/dev/null
if [[ -d $DATADIR ]]; then
  log "data directory present; nothing to initialise"
  exit 0
fi
ord=$(ordinal)
(( ord == $(primary_ordinal) )) || die "no data directory at $DATADIR on a replica: the clone-data step should have made one"
for key in "$SECRET_KEY_REPLICATION" "$SECRET_KEY_BACKUP" "$SECRET_KEY_MONITOR"; do require_password "$key"; done
root_password=""
read_password root_password "$SECRET_KEY_ROOT" || exit 1

# Which backup to start from (setting restoreBackup, with restoreFromClaim or
# restoreFromStore); empty: a new, empty cluster.
restore=${RESTORE_BACKUP:-}
if [[ -n $restore && -n ${RESTORE_FROM_STORE:-} ]]; then
  # The fetch-backup step downloaded it whole onto this volume: renamed into
  # the staging directory, not copied (no second copy of the data on the
  # volume). Init containers restart from the one that failed, so a crash
  # after the rename resumes on the staging directory: every step below is
  # recomputed from what the data holds.
  download=$DATA_ROOT/$RESTORE_DOWNLOAD_NAME
  if [[ -f $download/$BACKUP_INFO ]]; then
    rm -rf "$STAGING"
    mv "$download" "$STAGING"
  elif [[ -f $STAGING/$BACKUP_INFO ]]; then
    log "resuming the restore of the downloaded backup"
  else
    die "no downloaded backup to restore (the fetch-backup step); delete the pod to download it again"
  fi
  backup=""
  while IFS='=' read -r key value; do [[ $key == name ]] && backup=$value; done <"$STAGING/$BACKUP_INFO"
  log "restoring the downloaded backup ($(tr '\n' ' ' <"$STAGING/$BACKUP_INFO"))"
elif [[ -n $restore ]]; then
  rm -rf "$STAGING"
  mkdir -p "$STAGING"
  backup=$restore
  if [[ $backup == latest ]]; then
    backup=$(complete_backups "$RESTORE_DIR" | tail -n 1)
    [[ -n $backup ]] || die "the restore volume (setting restoreFromClaim) holds no complete backup"
  fi
  [[ -f $RESTORE_DIR/$backup/$BACKUP_INFO ]] ||
    die "backup \"$backup\" (setting restoreBackup) is not a complete backup in the restore volume; complete backups: $(complete_backups "$RESTORE_DIR" | tr '\n' ' ')"
  log "restoring backup $backup ($(tr '\n' ' ' <"$RESTORE_DIR/$backup/$BACKUP_INFO"))"
  cp -R "$RESTORE_DIR/$backup/." "$STAGING/"
  rm -f "$STAGING/$BACKUP_INFO"
else
  rm -rf "$STAGING"
  mkdir -p "$STAGING"
  log "initialising a new data directory"
  case $FLAVOR in
    mariadb) mariadb-install-db --defaults-file="$CONF" --datadir="$STAGING" --auth-root-authentication-method=normal \
               --skip-test-db >"$DATA_ROOT/install-db.log" 2>&1 || die "mariadb-install-db failed: $(tail -5 "$DATA_ROOT/install-db.log")" ;;
    mysql) "$DB_SERVER" --defaults-file="$CONF" --datadir="$STAGING" --initialize-insecure ;;
  esac
fi

# A private server on the staging data: no networking, no binlog, replication
# not started. Arguments: extra server options.
init_socket=$RUN_DIR/init.sock
start_init_server() {
  "$DB_SERVER" --defaults-file="$CONF" --datadir="$STAGING" --skip-networking --socket="$init_socket" \
    --pid-file="$RUN_DIR/init.pid" --skip-log-bin --event-scheduler=OFF --read-only=OFF --loose-super-read-only=OFF \
    "$([[ $FLAVOR == mariadb ]] && echo --skip-slave-start || echo --skip-replica-start)" "$@" &
  server_pid=$!
}
root_answers() { SQL_SOCKET=$init_socket sql_root -e 'SELECT 1'; }
stop_init_server() {
  SQL_SOCKET=$init_socket sql_root -e 'SHUTDOWN'
  wait "$server_pid" || die "the bootstrap server did not shut down cleanly"
}
trap 'kill "${server_pid:-}" 2>/dev/null || true' EXIT

# A restored data directory keeps its own root password, unknown here: that
# server starts without grant checks (still without networking) until root's is reset.
if [[ -n $restore ]]; then start_init_server --skip-grant-tables; else start_init_server; fi
wait_until 300 "the bootstrap server to accept connections" \
  "$DB_CLIENT" --no-defaults --user=root --socket="$init_socket" -e 'SELECT 1'
if [[ -n $restore ]]; then
  # The backup's accounts are the data's: only networked root accounts go. The
  # backup came from a replica of another cluster, whose replication set-up goes too.
  accounts=$("$DB_CLIENT" --no-defaults --user=root --socket="$init_socket" --batch --skip-column-names -e \
    "SELECT CONCAT(QUOTE(user), '@', QUOTE(host)) FROM mysql.user WHERE user = 'root' AND host <> 'localhost'")
  case $FLAVOR in
    mariadb) forget_source="RESET SLAVE ALL; SET GLOBAL gtid_slave_pos = '';" ;;
    mysql) forget_source="RESET REPLICA ALL;" ;;
  esac
  first_sql="FLUSH PRIVILEGES; $forget_source"
else
  # A new data directory: only root@localhost may log in as root; anonymous and networked root accounts go.
  accounts=$("$DB_CLIENT" --no-defaults --user=root --socket="$init_socket" --batch --skip-column-names -e \
    "SELECT CONCAT(QUOTE(user), '@', QUOTE(host)) FROM mysql.user
     WHERE NOT (user = 'root' AND host = 'localhost') AND user NOT IN ('mariadb.sys', 'mysql.sys', 'mysql.session', 'mysql.infoschema')")
  first_sql=""
fi
root_auth=$(identified_by "$root_password") || die "could not hash root's password (sha1sum)"
{
  printf '%s\n' "$first_sql"
  while read -r account; do [[ -n $account ]] && printf 'DROP USER %s;\n' "$account"; done <<<"$accounts"
  printf "ALTER USER 'root'@'localhost' %s;\n" "$root_auth"
} | "$DB_CLIENT" --no-defaults --user=root --socket="$init_socket"

save_root_password "$root_password"
if [[ -n $restore ]]; then
  # Grant checks on again (without them the server refuses to create events).
  stop_init_server
  start_init_server
  wait_until 300 "the bootstrap server to restart with grant checks" root_answers
fi
SQL_SOCKET=$init_socket bash "$SCRIPTS/ensure-users.sh" --schema
stop_init_server
trap - EXIT

# The downloaded backup's record marked a restore to resume until here.
rm -f "$STAGING/$BACKUP_INFO"
mv "$STAGING" "$DATADIR"
log "initialised the primary's data directory${restore:+ from backup ${backup:-}}"
