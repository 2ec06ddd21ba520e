#!/usr/bin/env bash
# Creates or updates, on the primary, the cluster's users with least privilege,
# the application database and user, and the heartbeat that replicas measure
# their lag by. Idempotent: run at bootstrap and at every primary start, so
# changed settings and passwords in the Secret take effect.
set -euo pipefail
# shellcheck source=lib.sh
source "${0%/*}/lib.sh"  # scripts run by path (bash /scripts/NAME), so no dirname process

for key in replication-password backup-password monitor-password; do require_password "$key"; done
replication_password=$(password replication-password)
backup_password=$(password backup-password)
monitor_password=$(password monitor-password)

case $FLAVOR in
  mariadb)
    monitor_privileges="PROCESS, BINLOG MONITOR, SLAVE MONITOR"
    backup_privileges="RELOAD, PROCESS, LOCK TABLES, BINLOG MONITOR, SLAVE MONITOR"
    backup_extra_grants=""
    ;;
  mysql)
    monitor_privileges="PROCESS, REPLICATION CLIENT"
    backup_privileges="BACKUP_ADMIN, RELOAD, PROCESS, LOCK TABLES, REPLICATION CLIENT"
    backup_extra_grants="GRANT SELECT ON performance_schema.log_status TO 'backup'@'localhost';
GRANT SELECT ON performance_schema.keyring_component_status TO 'backup'@'localhost';
GRANT SELECT ON performance_schema.replication_group_members TO 'backup'@'localhost';"
    ;;
  *) die "FLAVOR \"$FLAVOR\" is neither mysql nor mariadb" ;;
esac

exporter_sql=""
if [[ ${METRICS:-false} == true ]]; then
  require_password exporter-password
  exporter_password=$(password exporter-password)
  case $FLAVOR in
    mariadb) exporter_privileges="PROCESS, BINLOG MONITOR, SLAVE MONITOR" ;;
    *) exporter_privileges="PROCESS, REPLICATION CLIENT" ;;
  esac
  exporter_sql="CREATE USER IF NOT EXISTS 'exporter'@'localhost' IDENTIFIED BY '$exporter_password' WITH MAX_USER_CONNECTIONS 3;
ALTER USER 'exporter'@'localhost' IDENTIFIED BY '$exporter_password';
GRANT $exporter_privileges ON *.* TO 'exporter'@'localhost';
GRANT SELECT ON performance_schema.* TO 'exporter'@'localhost';
GRANT SELECT ON cluster_meta.* TO 'exporter'@'localhost';"
fi

app_sql=""
if [[ -n ${APP_DATABASE:-} ]]; then
  app_sql="CREATE DATABASE IF NOT EXISTS \`$APP_DATABASE\`;"
  if [[ -n ${APP_USER:-} ]]; then
    require_password app-password
    app_password=$(password app-password)
    app_sql+="
CREATE USER IF NOT EXISTS '$APP_USER'@'%' IDENTIFIED BY '$app_password';
ALTER USER '$APP_USER'@'%' IDENTIFIED BY '$app_password';
GRANT ALL PRIVILEGES ON \`$APP_DATABASE\`.* TO '$APP_USER'@'%';"
  fi
fi

# The SQL goes in on stdin, never as an argument.
sql_root <<SQL
CREATE USER IF NOT EXISTS 'replicator'@'%' IDENTIFIED BY '$replication_password';
ALTER USER 'replicator'@'%' IDENTIFIED BY '$replication_password';
GRANT REPLICATION SLAVE ON *.* TO 'replicator'@'%';
CREATE USER IF NOT EXISTS 'backup'@'localhost' IDENTIFIED BY '$backup_password';
ALTER USER 'backup'@'localhost' IDENTIFIED BY '$backup_password';
GRANT $backup_privileges ON *.* TO 'backup'@'localhost';
$backup_extra_grants
CREATE DATABASE IF NOT EXISTS cluster_meta;
CREATE TABLE IF NOT EXISTS cluster_meta.heartbeat (id INT PRIMARY KEY, ts DATETIME(6) NOT NULL) ENGINE=InnoDB;
REPLACE INTO cluster_meta.heartbeat (id, ts) VALUES (1, UTC_TIMESTAMP(6));
CREATE EVENT IF NOT EXISTS cluster_meta.heartbeat ON SCHEDULE EVERY 1 SECOND
  DO REPLACE INTO cluster_meta.heartbeat (id, ts) VALUES (1, UTC_TIMESTAMP(6));
CREATE USER IF NOT EXISTS 'monitor'@'%' IDENTIFIED BY '$monitor_password';
ALTER USER 'monitor'@'%' IDENTIFIED BY '$monitor_password';
GRANT $monitor_privileges ON *.* TO 'monitor'@'%';
GRANT SELECT ON cluster_meta.* TO 'monitor'@'%';
-- The cluster's network users only ever connect over TLS.
ALTER USER 'replicator'@'%' REQUIRE SSL;
ALTER USER 'monitor'@'%' REQUIRE SSL;
$exporter_sql
$app_sql
SQL
log "users, application database and heartbeat are in place"
