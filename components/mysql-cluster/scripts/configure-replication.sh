#!/usr/bin/env bash
# Points this replica at the primary with GTID auto-positioning, starting from
# the position its clone recorded. Idempotent: when replication is already
# configured it only restarts stopped threads, so the sidecar can run it again
# after any restart until it has completed once.
# Exit status 3 means the primary no longer has the binary logs this replica
# needs: only a re-clone can bring it back.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

require_password ROOT_PASSWORD root-password
require_password REPLICATION_PASSWORD replication-password
primary=$(primary_host)

# The marker lives in the data directory, so a fresh clone (whose copied
# replication metadata may point anywhere) is always set up from its own position.
if [[ -f $DATADIR/$REPLICATION_DONE ]]; then
  state=$(replication_state sql_local root ROOT_PASSWORD) || die "cannot read the replication state"
  read -r io sql _ _ errno <<<"$state"
  # ER_SOURCE_FATAL_ERROR_READING_BINLOG: the primary purged what we need.
  [[ $errno == 1236 ]] && { log "the primary no longer has the binary logs this replica needs"; exit 3; }
  if [[ $io == No || $sql == No ]]; then
    log "replication threads stopped (io=$io sql=$sql); starting them"
    sql_local root ROOT_PASSWORD -e 'START REPLICA'
  fi
  exit 0
fi

[[ -f $DATADIR/$CLONE_GTID_FILE ]] || die "replication is not configured and $DATADIR/$CLONE_GTID_FILE (the clone's position) is missing"
gtid=$(<"$DATADIR/$CLONE_GTID_FILE")
log "starting replication from $primary at GTID $gtid"
case $FLAVOR in
  mariadb)
    sql_local root ROOT_PASSWORD <<SQL
STOP SLAVE;
SET GLOBAL gtid_slave_pos = '$gtid';
CHANGE MASTER TO MASTER_HOST = '$primary', MASTER_PORT = $MYSQL_PORT, MASTER_USER = 'replicator',
  MASTER_PASSWORD = '$REPLICATION_PASSWORD', MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 5,
  MASTER_HEARTBEAT_PERIOD = 2;
START SLAVE;
SQL
    ;;
  mysql)
    sql_local root ROOT_PASSWORD <<SQL
STOP REPLICA;
SET GLOBAL super_read_only = OFF;
RESET BINARY LOGS AND GTIDS;
SET GLOBAL gtid_purged = '$gtid';
SET GLOBAL super_read_only = ON;
CHANGE REPLICATION SOURCE TO SOURCE_HOST = '$primary', SOURCE_PORT = $MYSQL_PORT, SOURCE_USER = 'replicator',
  SOURCE_PASSWORD = '$REPLICATION_PASSWORD', SOURCE_AUTO_POSITION = 1, GET_SOURCE_PUBLIC_KEY = 1,
  SOURCE_CONNECT_RETRY = 5, SOURCE_HEARTBEAT_PERIOD = 2;
START REPLICA;
SQL
    ;;
  *) die "FLAVOR \"$FLAVOR\" is neither mysql nor mariadb" ;;
esac
touch "$DATADIR/$REPLICATION_DONE"
log "replication configured"
