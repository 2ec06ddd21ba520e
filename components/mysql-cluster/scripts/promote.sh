#!/usr/bin/env bash
# Makes this pod the writable primary, which the sidecar runs while the
# topology ConfigMap names this pod (setting primaryOrdinal). Every server
# starts read-only, so this is also how a primary comes back after a restart.
# A replica takes over only from a primary that has stopped taking writes:
# it waits until its source is read-only, applies everything the source
# committed, and only then stops replicating and opens for writes, so no
# acknowledged commit is left behind. Exit 0: this pod takes writes; exit 1:
# not yet (the reason is logged); run it again.
set -euo pipefail
# shellcheck source=lib.sh
source "${0%/*}/lib.sh"  # scripts run by path (bash $SCRIPTS/NAME), so no dirname process

is_writable sql_root && exit 0

state=$(replication_state sql_root) || die "cannot read the replication state"
read -r _ _ _ source _ <<<"$state"
if [[ $source != none ]]; then
  require_password "$SECRET_KEY_MONITOR"
  if ! source_read_only=$(sql_remote "$source" monitor "$SECRET_KEY_MONITOR" -e 'SELECT @@global.read_only' 2>&1); then
    log "waiting for the current primary $source to answer before taking over: $source_read_only"
    exit 1
  fi
  if [[ $source_read_only != 1 ]]; then
    log "waiting for the current primary $source to stop taking writes (its sidecar does that when it sees the new topology)"
    exit 1
  fi
  final=$(executed_gtids sql_remote "$source" monitor "$SECRET_KEY_MONITOR") || { log "cannot read the executed transactions of $source"; exit 1; }
  case $FLAVOR in
    mariadb) final_pos=$(sql_remote "$source" monitor "$SECRET_KEY_MONITOR" -e 'SELECT @@global.gtid_binlog_pos')
             caught_up=$(sql_root -e "SELECT MASTER_GTID_WAIT('$final_pos', 5)") ;;
    mysql) caught_up=$(sql_root -e "SELECT WAIT_FOR_EXECUTED_GTID_SET('$final', 5)") ;;
  esac
  if [[ $caught_up != 0 ]]; then
    log "applying the rest of what $source committed before taking over"
    exit 1
  fi
  log "applied everything $source committed ($final); taking over as primary"
fi

# Replication is reset before writes open, and the markers of a replica's set-up
# go, so that a later demotion starts from this server's own position.
case $FLAVOR in
  mariadb) sql_root <<'SQL'
STOP SLAVE;
RESET SLAVE ALL;
SET GLOBAL event_scheduler = ON;
SET sql_log_bin = 0;
ALTER EVENT cluster_meta.heartbeat ENABLE;
SET GLOBAL read_only = OFF;
SQL
    ;;
  mysql) sql_root <<'SQL'
STOP REPLICA;
RESET REPLICA ALL;
SET GLOBAL super_read_only = OFF;
SET GLOBAL event_scheduler = ON;
SET sql_log_bin = 0;
ALTER EVENT cluster_meta.heartbeat ENABLE;
SET GLOBAL read_only = OFF;
SQL
    ;;
esac
rm -f "$DATADIR/$REPLICATION_DONE" "$DATADIR/$CLONE_GTID_FILE"
log "this pod is the primary and takes writes"
