#!/usr/bin/env bash
# Init step 3 (server image): writes the metrics exporter's login, and on the
# primary's first start initialises an
# empty data directory with a root password and the cluster's users. The
# server runs without networking meanwhile, so the moment root has no password
# is never reachable from outside. Work happens in a staging directory that is
# renamed into place only when complete; a crash at any line starts it over.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

# Before the exporter container starts, so it does not crash-loop waiting.
write_exporter_config
if [[ -d $DATADIR ]]; then
  log "data directory present; nothing to initialise"
  exit 0
fi
ord=$(ordinal)
(( ord == $(primary_ordinal) )) || die "no data directory at $DATADIR on a replica: the clone-data step should have made one"
for key in root-password replication-password backup-password monitor-password; do require_password "$key"; done

rm -rf "$STAGING"
mkdir -p "$STAGING"
log "initialising a new data directory"
case $FLAVOR in
  mariadb) mariadb-install-db --defaults-file="$CONF" --datadir="$STAGING" --auth-root-authentication-method=normal \
             --skip-test-db >"$DATA_ROOT/install-db.log" 2>&1 || die "mariadb-install-db failed: $(tail -5 "$DATA_ROOT/install-db.log")" ;;
  mysql) "$DB_SERVER" --defaults-file="$CONF" --datadir="$STAGING" --initialize-insecure ;;
  *) die "FLAVOR \"$FLAVOR\" is neither mysql nor mariadb" ;;
esac

init_socket=/run/mysqld/init.sock
"$DB_SERVER" --defaults-file="$CONF" --datadir="$STAGING" --skip-networking --socket="$init_socket" \
  --pid-file=/run/mysqld/init.pid --skip-log-bin --event-scheduler=OFF --read-only=OFF --loose-super-read-only=OFF &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null || true' EXIT

# root has no password yet: connect without one, over the private socket only.
wait_until 300 "the bootstrap server to accept connections" \
  "$DB_CLIENT" --no-defaults --user=root --socket="$init_socket" -e 'SELECT 1'
accounts=$("$DB_CLIENT" --no-defaults --user=root --socket="$init_socket" --batch --skip-column-names -e \
  "SELECT CONCAT(QUOTE(user), '@', QUOTE(host)) FROM mysql.user
   WHERE NOT (user = 'root' AND host = 'localhost') AND user NOT IN ('mariadb.sys', 'mysql.sys', 'mysql.session', 'mysql.infoschema')")
{
  # Only root@localhost may log in as root; anonymous and networked root accounts go.
  while read -r account; do [[ -n $account ]] && printf 'DROP USER %s;\n' "$account"; done <<<"$accounts"
  printf "ALTER USER 'root'@'localhost' IDENTIFIED BY '%s';\n" "$(password root-password)"
} | "$DB_CLIENT" --no-defaults --user=root --socket="$init_socket"

save_root_password "$(password root-password)"
SQL_SOCKET=$init_socket bash "$SCRIPTS/ensure-users.sh"
SQL_SOCKET=$init_socket sql_root -e 'SHUTDOWN'
wait "$server_pid" || die "the bootstrap server did not shut down cleanly"
trap - EXIT

mv "$STAGING" "$DATADIR"
log "initialised the primary's data directory"
