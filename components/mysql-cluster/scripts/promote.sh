#!/usr/bin/env bash
# Opens this server for writes. Only the failover agent runs it, once this
# pod holds the cluster's Lease and has applied everything it received (a
# planned handover waits for that before passing the Lease on; a takeover
# applies its relay log first): so no acknowledged commit is left behind.
# Usage: promote.sh DEADLINE, the seconds until the server fences itself
# unless the agent renews ("never" with failover off), set before writes open.
# Every server starts read-only, so this is also how a primary comes back
# after a restart. Idempotent: each statement may run again.
set -euo pipefail
# shellcheck source=lib.sh
source "${0%/*}/lib.sh"  # scripts run by path (bash $SCRIPTS/NAME), so no dirname process

deadline=${1:?usage: promote.sh SECONDS|never}
if [[ $deadline == never ]]; then
  deadline="'9999-12-31 00:00:00'"
elif [[ $deadline =~ ^[0-9]+(\.[0-9]+)?$ ]]; then
  deadline="UTC_TIMESTAMP(6) + INTERVAL $deadline SECOND"
else
  die "promote.sh: \"$deadline\" is neither a number of seconds nor never"
fi

# The dead man's switch, this server's alone (binary log off: a replica must
# not inherit a primary's deadline). The heartbeat writes only before the
# deadline, so a fenced server's heartbeat stops too (MariaDB's read_only does
# not stop root's events). The fence event runs every second; once the
# deadline has passed and while the server still takes writes, it
#  1. closes every session that could still commit or that holds what
#     read_only waits for: the application's sessions, the heartbeat's worker,
#     and commits waiting for a semi-synchronous acknowledgement that will not
#     come (a primary cut off from its replicas waits without limit: their
#     global read lock wait made read_only fail). Their clients see the
#     connection drop, never an acknowledgement. It keeps itself, the server's
#     own threads ("system user": the replication threads; the scheduler
#     daemon) and the replicas' binlog dumps;
#  2. sets read_only with its wait for the global read lock bounded to 1 s.
# A failed step (a commit that slipped in between, a session already gone)
# is caught by the handler, and the next second tries again: the event never
# stops the scheduler it runs in, so nothing ends the retries but read_only
# holding. KILL takes an expression (a local variable) in both flavors:
# https://mariadb.com/kb/en/kill/  https://dev.mysql.com/doc/refman/8.4/en/kill.html
# The sessions: https://mariadb.com/kb/en/information-schema-processlist-table/
# https://dev.mysql.com/doc/refman/8.4/en/information-schema-processlist-table.html
# The handler and loop: https://dev.mysql.com/doc/refman/8.4/en/declare-handler.html
# MySQL's fence is super_read_only (it implies read_only; root keeps writing
# under plain read_only): https://dev.mysql.com/doc/refman/8.4/en/server-system-variables.html#sysvar_super_read_only
case $FLAVOR in
  mariadb) writable="@@global.read_only = 0" fence_writes="SET GLOBAL read_only = 1"
           stop_replication="STOP SLAVE; RESET SLAVE ALL;"
           open_writes="SET GLOBAL read_only = OFF;" ;;
  mysql) writable="@@global.super_read_only = 0" fence_writes="SET GLOBAL super_read_only = 1"
         stop_replication="STOP REPLICA; RESET REPLICA ALL;"
         open_writes="SET GLOBAL super_read_only = OFF; SET GLOBAL read_only = OFF;" ;;
esac
closable="information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID()
      AND USER NOT IN ('system user', 'event_scheduler') AND COMMAND NOT IN ('Binlog Dump', 'Binlog Dump GTID', 'Daemon')"
fence_body="BEGIN
  DECLARE victim BIGINT UNSIGNED;
  DECLARE CONTINUE HANDLER FOR SQLEXCEPTION BEGIN END;
  IF $writable AND (SELECT deadline FROM cluster_meta.fence WHERE id = 1) < UTC_TIMESTAMP(6) THEN
    SELECT MIN(ID) INTO victim FROM $closable;
    WHILE victim IS NOT NULL DO
      KILL CONNECTION victim;
      SELECT MIN(ID) INTO victim FROM $closable AND ID > victim;
    END WHILE;
    SET SESSION lock_wait_timeout = 1;
    $fence_writes;
  END IF;
END"
sql_root <<SQL
SET sql_log_bin = 0;
CREATE TABLE IF NOT EXISTS cluster_meta.fence (id INT PRIMARY KEY, deadline DATETIME(6) NOT NULL) ENGINE=InnoDB;
REPLACE INTO cluster_meta.fence (id, deadline) VALUES (1, $deadline);
DELIMITER //
CREATE EVENT IF NOT EXISTS cluster_meta.fence ON SCHEDULE EVERY 1 SECOND DO $fence_body//
ALTER EVENT cluster_meta.fence ENABLE DO $fence_body//
DELIMITER ;
ALTER EVENT cluster_meta.heartbeat ENABLE DO
  REPLACE INTO cluster_meta.heartbeat (id, ts) SELECT 1, UTC_TIMESTAMP(6) FROM cluster_meta.fence WHERE id = 1 AND deadline > UTC_TIMESTAMP(6);
$stop_replication
SET GLOBAL event_scheduler = ON;
$open_writes
SQL
# The markers of a replica's set-up go, so that a later demotion starts from
# this server's own position.
rm -f "$DATADIR/$REPLICATION_DONE" "$DATADIR/$CLONE_GTID_FILE"
log "this pod is the primary and takes writes"
