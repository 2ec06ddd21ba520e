#!/usr/bin/env bash
# Points this replica at the primary with GTID auto-positioning over verified
# TLS, starting from the position its clone recorded. Idempotent: once
# configured it only restarts stopped threads, or takes a rotated replication
# password once the primary accepts it, so the sidecar runs it on every loop.
# Exit status 3 means the primary no longer has the binary logs this replica
# needs: only a re-clone can bring it back.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

require_password replication-password
primary=$(primary_host)
replication_password=$(password replication-password)

# The clause that sets the source's credentials and TLS, per flavor.
source_settings() {
  case $FLAVOR in
    mariadb) printf "MASTER_USER = 'replicator', MASTER_PASSWORD = '%s', MASTER_SSL = 1, MASTER_SSL_CA = '%s', MASTER_SSL_VERIFY_SERVER_CERT = 1" \
               "$replication_password" "$TLS_DIR/ca.crt" ;;
    *) printf "SOURCE_USER = 'replicator', SOURCE_PASSWORD = '%s', SOURCE_SSL = 1, SOURCE_SSL_CA = '%s', SOURCE_SSL_VERIFY_SERVER_CERT = 1" \
         "$replication_password" "$TLS_DIR/ca.crt" ;;
  esac
}
change_source() { [[ $FLAVOR == mariadb ]] && printf 'CHANGE MASTER TO' || printf 'CHANGE REPLICATION SOURCE TO'; }

# The marker lives in the data directory, so a fresh clone (whose copied
# replication metadata may point anywhere) is always set up from its own position.
if [[ -f $DATADIR/$REPLICATION_DONE ]]; then
  state=$(replication_state sql_root) || die "cannot read the replication state"
  read -r io sql _ _ errno <<<"$state"
  # ER_SOURCE_FATAL_ERROR_READING_BINLOG: the primary purged what we need.
  [[ $errno == 1236 ]] && { log "the primary no longer has the binary logs this replica needs"; exit 3; }
  # ER_ACCESS_DENIED_ERROR: the replication password was rotated. Take the
  # Secret's current one, but only once the primary accepts it.
  if [[ $errno == 1045 ]] && sql_remote "$primary" replicator replication-password -e 'SELECT 1' >/dev/null 2>&1; then
    log "the primary accepts the rotated replication password; switching to it"
    sql_root <<SQL
STOP REPLICA;
$(change_source) $(source_settings);
START REPLICA;
SQL
    exit 0
  fi
  if [[ $io == No || $sql == No ]]; then
    log "replication threads stopped (io=$io sql=$sql); starting them"
    sql_root -e 'START REPLICA'
  fi
  exit 0
fi

[[ -f $DATADIR/$CLONE_GTID_FILE ]] || die "replication is not configured and $DATADIR/$CLONE_GTID_FILE (the clone's position) is missing"
gtid=$(<"$DATADIR/$CLONE_GTID_FILE")
log "starting replication from $primary at GTID $gtid"
case $FLAVOR in
  mariadb)
    sql_root <<SQL
STOP SLAVE;
SET GLOBAL gtid_slave_pos = '$gtid';
CHANGE MASTER TO MASTER_HOST = '$primary', MASTER_PORT = $MYSQL_PORT, $(source_settings),
  MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 5, MASTER_HEARTBEAT_PERIOD = 2;
START SLAVE;
SQL
    ;;
  mysql)
    sql_root <<SQL
STOP REPLICA;
SET GLOBAL super_read_only = OFF;
RESET BINARY LOGS AND GTIDS;
SET GLOBAL gtid_purged = '$gtid';
SET GLOBAL super_read_only = ON;
CHANGE REPLICATION SOURCE TO SOURCE_HOST = '$primary', SOURCE_PORT = $MYSQL_PORT, $(source_settings),
  SOURCE_AUTO_POSITION = 1, SOURCE_CONNECT_RETRY = 5, SOURCE_HEARTBEAT_PERIOD = 2;
START REPLICA;
SQL
    ;;
  *) die "FLAVOR \"$FLAVOR\" is neither mysql nor mariadb" ;;
esac
touch "$DATADIR/$REPLICATION_DONE"
log "replication configured"
