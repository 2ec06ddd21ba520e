#!/usr/bin/env bash
# Keeps this replica replicating from the primary the topology names, over
# verified TLS with GTID auto-positioning. The sidecar runs it on every loop;
# each run does only what is missing:
# - a fresh clone starts from the position its backup recorded;
# - a former primary (still writable) stops taking writes first, then follows
#   the new primary from its own position;
# - after a switchover, a replica follows the new primary once that one takes
#   writes; a server holding transactions the new primary lacks (errant GTIDs)
#   is never attached to it, but re-cloned (exit EXIT_RECLONE);
# - otherwise it starts stopped threads (the server never starts them itself:
#   server.cnf sets skip_replica_start / skip_slave_start, so after every
#   restart it is this script that starts replication, from a checked source),
#   or takes a rotated replication password once the primary accepts it.
# Exit status EXIT_RECLONE (contract.sh) means only a re-clone can bring this replica back: the primary
# purged the binary logs it needs, or it holds errant transactions.
set -euo pipefail
# shellcheck source=lib.sh
source "${0%/*}/lib.sh"  # scripts run by path (bash $SCRIPTS/NAME), so no dirname process

require_password "$SECRET_KEY_REPLICATION"
require_password "$SECRET_KEY_MONITOR"
primary=$(primary_host)
replication_password=$(password "$SECRET_KEY_REPLICATION")

# The clause that sets the source's credentials and TLS, per flavor.
source_settings() {
  case $FLAVOR in
    mariadb) printf "MASTER_USER = 'replicator', MASTER_PASSWORD = '%s', MASTER_SSL = 1, MASTER_SSL_CA = '%s', MASTER_SSL_VERIFY_SERVER_CERT = 1" \
               "$replication_password" "$TLS_CA" ;;
    mysql) printf "SOURCE_USER = 'replicator', SOURCE_PASSWORD = '%s', SOURCE_SSL = 1, SOURCE_SSL_CA = '%s', SOURCE_SSL_VERIFY_SERVER_CERT = 1" \
         "$replication_password" "$TLS_CA" ;;
  esac
}
# CHANGE ... TO with the source's host, per flavor.
change_source_host() {
  case $FLAVOR in
    mariadb) printf "CHANGE MASTER TO MASTER_HOST = '%s'" "$1" ;;
    mysql) printf "CHANGE REPLICATION SOURCE TO SOURCE_HOST = '%s'" "$1" ;;
  esac
}
change_source() {
  case $FLAVOR in
    mariadb) printf 'CHANGE MASTER TO' ;;
    mysql) printf 'CHANGE REPLICATION SOURCE TO' ;;
  esac
}

# A former primary stops taking writes before anything else. Scheduler first,
# so no heartbeat slips in between; setting read_only waits for commits in flight.
# The agent's role is read again just before: the sidecar read it at the start
# of its round, and the agent may have taken the Lease since and be opening
# this server (it publishes "promoting" before it does).
if is_writable sql_root; then
  if agent_state && [[ $agent_role != replica ]]; then
    log "not stopping writes: the failover agent's role is now $agent_role"
    exit 0
  fi
  log "this pod is no longer the primary ($primary is): stopping writes"
  case $FLAVOR in
    mariadb) sql_root -e 'SET GLOBAL event_scheduler = OFF; SET GLOBAL read_only = ON' ;;
    mysql) sql_root -e 'SET GLOBAL event_scheduler = OFF; SET GLOBAL super_read_only = ON' ;;
  esac
fi

# Returns 0 when the new primary takes writes and holds every transaction this
# server has; exits EXIT_RECLONE when this server has transactions the primary lacks.
primary_ready_to_follow() {
  if ! is_writable sql_remote "$primary" monitor "$SECRET_KEY_MONITOR"; then
    log "waiting for $primary to take writes before following it"
    return 1
  fi
  local mine theirs errant
  mine=$(executed_gtids sql_root) || return 1
  theirs=$(executed_gtids sql_remote "$primary" monitor "$SECRET_KEY_MONITOR") || return 1
  errant=$(errant_gtids "$mine" "$theirs") || return 1
  if [[ -n $errant ]]; then
    log "this server holds transactions $primary lacks (errant GTIDs: $errant); it is re-cloned rather than attached to a diverged primary, its binary logs kept"
    # Named for the re-clone, which keeps the binary logs holding them (lib.sh keep_errant_binlogs).
    printf '%s\n' "$errant" >"$ERRANT_NOTE"
    exit "$EXIT_RECLONE"
  fi
}

if [[ -f $DATADIR/$REPLICATION_DONE ]]; then
  state=$(replication_state sql_root) || die "cannot read the replication state"
  read -r io sql _ source errno <<<"$state"
  if [[ $source != "$primary" ]]; then
    primary_ready_to_follow || exit 0
    log "following the new primary $primary (was $source)"
    sql_root <<SQL
STOP REPLICA;
$(change_source_host "$primary");
START REPLICA;
SQL
    exit 0
  fi
  # The primary purged binary logs this replica needs (the number differs per flavor).
  [[ $errno == "$(purged_binlog_errno)" ]] && { log "the primary no longer has the binary logs this replica needs (error $errno)"; exit "$EXIT_RECLONE"; }
  # ER_ACCESS_DENIED_ERROR: the replication password was rotated. Take the
  # Secret's current one, but only once the primary accepts it.
  if [[ $errno == 1045 ]] && sql_remote "$primary" replicator "$SECRET_KEY_REPLICATION" -e 'SELECT 1' >/dev/null 2>&1; then
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

# Not set up on this data yet: a fresh clone starts where its backup was taken;
# a former primary from its own binary log position, once it is sure it holds
# nothing the new primary lacks.
if [[ -f $DATADIR/$CLONE_GTID_FILE ]]; then
  gtid=$(<"$DATADIR/$CLONE_GTID_FILE")
  log "starting replication from $primary at the clone's GTID $gtid"
else
  primary_ready_to_follow || exit 0
  gtid=$(own_gtid_position sql_root) || die "cannot read this server's own GTID position"
  log "a former primary following $primary from its own position ($gtid)"
fi
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
    # A fresh clone's GTIDs are declared; a former primary keeps its own, and
    # auto-positioning sends the primary its gtid_executed, so $gtid is not needed.
    reset_gtids=""
    [[ -f $DATADIR/$CLONE_GTID_FILE ]] && reset_gtids="RESET BINARY LOGS AND GTIDS; SET GLOBAL gtid_purged = '$gtid';"
    sql_root <<SQL
STOP REPLICA;
SET GLOBAL super_read_only = OFF;
$reset_gtids
SET GLOBAL super_read_only = ON;
CHANGE REPLICATION SOURCE TO SOURCE_HOST = '$primary', SOURCE_PORT = $MYSQL_PORT, $(source_settings),
  SOURCE_AUTO_POSITION = 1, SOURCE_CONNECT_RETRY = 5, SOURCE_HEARTBEAT_PERIOD = 2;
START REPLICA;
SQL
    ;;
esac
touch "$DATADIR/$REPLICATION_DONE"
log "replication configured"
