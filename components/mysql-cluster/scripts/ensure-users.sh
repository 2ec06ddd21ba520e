#!/usr/bin/env bash
# Creates or updates the cluster's users with least privilege and their
# passwords from the Secret, on THIS pod's server, with the binary log off:
# every pod's sidecar runs it for its own server (replicas included), so no
# password ever enters a binary log, a relay log or a replica, and a rotation
# needs no replication. With --schema (the primary only) it also creates the
# application database and the heartbeat that replicas measure their lag by;
# those are logged and replicated. Idempotent: run at bootstrap, at every
# start and whenever the Secret's files change.
# No statement with a password reaches a command line: SQL goes on stdin.
set -euo pipefail
# shellcheck source=lib.sh
source "${0%/*}/lib.sh"  # scripts run by path (bash $SCRIPTS/NAME), so no dirname process

schema=false
[[ ${1:-} == --schema ]] && schema=true

# Each value is checked as it is read: an unsafe one changes nothing at all.
replication_password="" backup_password="" monitor_password="" exporter_password="" app_password=""
read_password replication_password "$SECRET_KEY_REPLICATION" || exit 1
read_password backup_password "$SECRET_KEY_BACKUP" || exit 1
read_password monitor_password "$SECRET_KEY_MONITOR" || exit 1

# Least privilege. Of the cluster's users only replicator (over the
# replication protocol) and backup (the tool needs the binlog position) can
# read binary log events, and no password is ever in them (sql_root_unlogged).
# MariaDB 10.11: SHOW BINLOG EVENTS needs BINLOG MONITOR, no longer REPLICATION
# SLAVE (https://mariadb.com/kb/en/show-binlog-events/); monitor and exporter
# hold only SLAVE MONITOR for SHOW REPLICA STATUS. MySQL 8.4: SHOW BINLOG
# EVENTS needs REPLICATION SLAVE
# (https://dev.mysql.com/doc/refman/8.4/en/show-binlog-events.html), which
# only replicator holds; REPLICATION CLIENT is status only.
case $FLAVOR in
  mariadb)
    monitor_privileges="SLAVE MONITOR"
    # mariadb-backup 10.11 asks the server for its binary log position
    # (SHOW MASTER STATUS): without BINLOG MONITOR it stops with "Access denied;
    # you need (at least one of) the SUPER, BINLOG MONITOR privilege(s)" (run
    # against MariaDB 10.11.19, 2026-12). It holds no SELECT: it reads files.
    backup_privileges="RELOAD, PROCESS, LOCK TABLES, BINLOG MONITOR, SLAVE MONITOR"
    exporter_privileges="PROCESS, SLAVE MONITOR"
    backup_extra_grants=""
    ;;
  mysql)
    monitor_privileges="REPLICATION CLIENT"
    backup_privileges="BACKUP_ADMIN, RELOAD, PROCESS, LOCK TABLES, REPLICATION CLIENT"
    exporter_privileges="PROCESS, REPLICATION CLIENT"
    backup_extra_grants="GRANT SELECT ON performance_schema.log_status TO 'backup'@'localhost';
GRANT SELECT ON performance_schema.keyring_component_status TO 'backup'@'localhost';
GRANT SELECT ON performance_schema.replication_group_members TO 'backup'@'localhost';"
    ;;
esac

# account USER HOST PASSWORD: creates the account or sets its password.
# The password goes in as identified_by writes it (a hash on MariaDB: lib.sh).
account() {
  local auth
  auth=$(identified_by "$3") || return 1
  printf "CREATE USER IF NOT EXISTS '%s'@'%s' %s;\nALTER USER '%s'@'%s' %s;\n" "$1" "$2" "$auth" "$1" "$2" "$auth"
}

users_sql() {
  account replicator % "$replication_password"
  printf "GRANT REPLICATION SLAVE ON *.* TO 'replicator'@'%%';\n"
  account backup localhost "$backup_password"
  printf "GRANT %s ON *.* TO 'backup'@'localhost';\n%s\n" "$backup_privileges" "$backup_extra_grants"
  account monitor % "$monitor_password"
  # Privileges an earlier version granted are taken back (REVOKE of a privilege
  # never granted is harmless only if granted once: grant, then revoke).
  case $FLAVOR in
    mariadb) printf "GRANT PROCESS, BINLOG MONITOR ON *.* TO 'monitor'@'%%';\nREVOKE PROCESS, BINLOG MONITOR ON *.* FROM 'monitor'@'%%';\n" ;;
    mysql) printf "GRANT PROCESS ON *.* TO 'monitor'@'%%';\nREVOKE PROCESS ON *.* FROM 'monitor'@'%%';\n" ;;
  esac
  printf "GRANT %s ON *.* TO 'monitor'@'%%';\nGRANT SELECT ON cluster_meta.* TO 'monitor'@'%%';\n" "$monitor_privileges"
  # The cluster's network users only ever connect over TLS.
  printf "ALTER USER 'replicator'@'%%' REQUIRE SSL;\nALTER USER 'monitor'@'%%' REQUIRE SSL;\n"
  if [[ ${METRICS:-false} == true ]]; then
    read_password exporter_password "$SECRET_KEY_EXPORTER" || return 1
    exporter_auth=$(identified_by "$exporter_password") || return 1
    printf "CREATE USER IF NOT EXISTS 'exporter'@'localhost' %s WITH MAX_USER_CONNECTIONS 3;\nALTER USER 'exporter'@'localhost' %s;\n" \
      "$exporter_auth" "$exporter_auth"
    case $FLAVOR in
      mariadb) printf "GRANT BINLOG MONITOR ON *.* TO 'exporter'@'localhost';\nREVOKE BINLOG MONITOR ON *.* FROM 'exporter'@'localhost';\n" ;;
      mysql) ;;  # no privilege of an earlier version to take back
    esac
    printf "GRANT %s ON *.* TO 'exporter'@'localhost';\nGRANT SELECT ON performance_schema.* TO 'exporter'@'localhost';\nGRANT SELECT ON cluster_meta.* TO 'exporter'@'localhost';\n" \
      "$exporter_privileges"
  fi
  if [[ -n ${APP_DATABASE:-} && -n ${APP_USER:-} ]]; then
    read_password app_password "$SECRET_KEY_APP" || return 1
    account "$APP_USER" % "$app_password"
    # shellcheck disable=SC2016  # the backquotes are SQL's identifier quotes
    printf 'GRANT ALL PRIVILEGES ON `%s`.* TO '"'%s'@'%%'"';\n' "$APP_DATABASE" "$APP_USER"
  fi
}

# Built in full first: a value found unsafe half-way must leave nothing applied.
sql=$(users_sql) || exit 1
printf '%s\n' "$sql" | sql_root_unlogged || die "could not apply the users and passwords (Secret $SECRET_NAME)"

if [[ $schema == true ]]; then
  app_schema=""
  [[ -n ${APP_DATABASE:-} ]] && app_schema="CREATE DATABASE IF NOT EXISTS \`$APP_DATABASE\`;"
  sql_root <<SQL
CREATE DATABASE IF NOT EXISTS cluster_meta;
CREATE TABLE IF NOT EXISTS cluster_meta.heartbeat (id INT PRIMARY KEY, ts DATETIME(6) NOT NULL) ENGINE=InnoDB;
REPLACE INTO cluster_meta.heartbeat (id, ts) VALUES (1, UTC_TIMESTAMP(6));
CREATE EVENT IF NOT EXISTS cluster_meta.heartbeat ON SCHEDULE EVERY 1 SECOND
  DO REPLACE INTO cluster_meta.heartbeat (id, ts) VALUES (1, UTC_TIMESTAMP(6));
$app_schema
SQL
  log "users (on this server only), application database and heartbeat are in place"
else
  log "users and passwords are in place on this server"
fi
