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
# not inherit a primary's deadline). The fence event turns the server
# read-only and stops the scheduler once the deadline has passed; the
# heartbeat writes only before it, so a fenced server's heartbeat stops too
# (MariaDB's read_only does not stop root's events). Its wait for the global
# read lock is bounded (commits that wait for an acknowledgement hold it; the
# agent closes them): it tries again the next second.
expired="(SELECT deadline FROM cluster_meta.fence WHERE id = 1) < UTC_TIMESTAMP(6)"
case $FLAVOR in
  mariadb) fence_body="SET SESSION lock_wait_timeout = 1, GLOBAL read_only = IF($expired, 1, @@global.read_only), GLOBAL event_scheduler = IF($expired, 0, 1)"
           stop_replication="STOP SLAVE; RESET SLAVE ALL;"
           open_writes="SET GLOBAL read_only = OFF;" ;;
  mysql) fence_body="SET SESSION lock_wait_timeout = 1, GLOBAL super_read_only = IF($expired, 1, @@global.super_read_only), GLOBAL event_scheduler = IF($expired, 0, 1)"
         stop_replication="STOP REPLICA; RESET REPLICA ALL;"
         open_writes="SET GLOBAL super_read_only = OFF; SET GLOBAL read_only = OFF;" ;;
esac
sql_root <<SQL
SET sql_log_bin = 0;
CREATE TABLE IF NOT EXISTS cluster_meta.fence (id INT PRIMARY KEY, deadline DATETIME(6) NOT NULL) ENGINE=InnoDB;
REPLACE INTO cluster_meta.fence (id, deadline) VALUES (1, $deadline);
CREATE EVENT IF NOT EXISTS cluster_meta.fence ON SCHEDULE EVERY 1 SECOND DO $fence_body;
ALTER EVENT cluster_meta.fence ENABLE DO $fence_body;
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
