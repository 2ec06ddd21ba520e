# shellcheck shell=bash disable=SC2034  # constants for the scripts that source this file
# Shared by every pod script: the paths the pod spec mounts, logging, the
# pod's identity, the flavors' dialect and SQL clients. Passwords are files of
# the Secret volume, read by the shell and handed to clients through an option
# file on a pipe, so no password reaches a command line, an environment or a log.

# The contract with the builders, rendered from contract.ts into the ConfigMap
# beside this file: every mount path, port, Secret key (SECRET_KEY_*), shared
# file name and exit code (EXIT_*), as readonly variables. No script writes one
# of those values itself (a unit test holds them to it).
# shellcheck source=contract.sh
source "${BASH_SOURCE[0]%lib.sh}contract.sh"

readonly DATADIR=$DATA_ROOT/$DATA_DIR_NAME   # a complete, usable data directory, or nothing
readonly STAGING=$DATA_ROOT/clone.tmp        # a clone or initialisation in progress
readonly DATA_OLD=$DATA_ROOT/data.old        # the previous data directory during a re-clone swap
readonly RECLONE_MARKER=$DATA_ROOT/reclone-requested
readonly ERRANT_NOTE=$DATA_ROOT/errant-gtids       # a re-clone for errant transactions: which ones (kept with them)
readonly CONF=$CONF_DIR/my.cnf               # assembled by init-config.sh
readonly SOCKET=$RUN_DIR/$SOCKET_NAME
readonly PID_FILE=$RUN_DIR/$PID_NAME
readonly READINESS_FILE=$RUN_DIR/readiness   # the sidecar's verdict, read by the readiness probe
readonly ARCHIVE_METRICS=$RUN_DIR/binlog-archive.prom  # archive-binlogs.sh's metrics, served by serve-metrics.sh
readonly TOPOLOGY_FILE=$TOPOLOGY_DIR/$PRIMARY_ORDINAL_NAME  # which ordinal is the primary
readonly TLS_CERT=$TLS_DIR/$TLS_CERT_NAME
readonly TLS_KEY=$TLS_DIR/$TLS_KEY_NAME
readonly TLS_CA=$TLS_DIR/$TLS_CA_NAME
# PRIVATE_DIR is memory-backed and mounted only into the containers that use
# root's password (init-data and the sidecar): the server and the exporter,
# all uid 999 like them, cannot read it, so a file mode alone need not separate them.
readonly ROOT_CNF=$PRIVATE_DIR/root.cnf      # root's password as last seen working (mode 0600)
# EXPORTER_DIR is memory-backed and shared only by the writers of the
# exporter's login (init-data, the sidecar) and the exporter itself.
readonly EXPORTER_CNF=$EXPORTER_DIR/$EXPORTER_CNF_NAME  # the metrics exporter's login (mode 0600)
# socat's default 8 KiB per read, not the disk or the network, set the pace of
# a backup stream here: about 150 MB/s through a veth. 1 MiB blocks on both
# ends about doubled a plain copy's rate and, with parallel unpacking, took a
# third off a 2 GB clone (BENCHMARKS.md).
readonly STREAM_BLOCK_BYTES=1048576
# A stream on which nothing moves this long is given up (socat -T, both ends),
# and TCP keepalive notices a peer whose node vanished: a lost node mid-stream
# fails the clone or the backup Job instead of hanging it, and with it every
# later scheduled backup (concurrencyPolicy Forbid). The backup tools write
# steadily while they copy, so two minutes of silence is a dead peer.
readonly STREAM_IDLE_SECONDS=${STREAM_IDLE_SECONDS:-120}
readonly STREAM_KEEPALIVE=keepalive,keepidle=30,keepintvl=10,keepcnt=3
readonly STREAM_END_MARKER=CLONE_STREAM_COMPLETE   # last file of every backup stream
readonly PREPARED_MARKER=.clone-prepared           # a staged clone is prepared and whole
readonly CLONE_GTID_FILE=.clone-gtid               # replication position of a clone
readonly REPLICATION_DONE=.replication-configured  # replication was set up once on this data
readonly BACKUP_INFO=backup-info                   # in a complete backup: its position, source and time
readonly BACKUP_NAME_PATTERN='^[0-9]{8}T[0-9]{6}Z$'  # complete backups are named by their UTC start time

log() { printf '%s %s %s: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "${POD_NAME:-pod}" "${0##*/}" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# The flavor (setting flavor) every dialect function below decides on: checked
# once, here, so no script meets one that is neither.
case ${FLAVOR:-} in
  mariadb|mysql) ;;
  *) die "FLAVOR \"${FLAVOR:-}\" is neither mysql nor mariadb (setting flavor)" ;;
esac

# The pod's ordinal, from the StatefulSet pod name "<sts>-<N>".
ordinal() {
  local n=${POD_NAME##*-}
  [[ $n =~ ^[0-9]+$ ]] || die "POD_NAME \"${POD_NAME:-}\" does not end in -<ordinal>"
  printf '%s\n' "$n"
}

# The pod's server id: 100 + its ordinal, so 0 (which disables replication) never occurs.
server_id() { printf '%s\n' "$((100 + $(ordinal)))"; }

peer_host() { printf '%s-%s.%s.%s.svc.%s\n' "$STS_NAME" "$1" "$HEADLESS_SERVICE" "$POD_NAMESPACE" "$CLUSTER_DOMAIN"; }

# What the failover agent concluded (failover-agent.sh publishes it): sets
# agent_role, agent_primary and agent_term; fails (all "none") while it has
# published nothing yet, as in the init containers, which run before it.
readonly AGENT_STATE=$RUN_DIR/agent-state
agent_state() {
  agent_role=none agent_primary=none agent_term=none
  [[ -r $AGENT_STATE ]] || return 1
  read -r agent_role agent_primary agent_term <"$AGENT_STATE" || return 1
  [[ -n $agent_role ]]
}

# The ordinal of the primary: the Lease's holder as the agent last saw it.
# Before the agent has said (the init containers), the ordinal `pulumi up`
# asked for (setting primaryOrdinal, the topology ConfigMap), which is where
# a new cluster starts.
primary_ordinal() {
  local n=0
  if agent_state && [[ $agent_primary =~ ^[0-9]+$ ]]; then printf '%s\n' "$agent_primary"; return 0; fi
  [[ -r $TOPOLOGY_FILE ]] && n=$(<"$TOPOLOGY_FILE")
  [[ $n =~ ^[0-9]+$ ]] || die "$TOPOLOGY_FILE holds \"$n\", not an ordinal"
  printf '%s\n' "$n"
}
primary_host() { peer_host "$(primary_ordinal)"; }
# Whether this pod is the primary: the agent holds the Lease and opened writes.
is_wanted_primary() { agent_state && [[ $agent_role == primary ]]; }

# Whether a server takes writes: its read_only is off. Arguments: a sql_root,
# sql_as or sql_remote invocation prefix.
is_writable() { [[ $("$@" -e 'SELECT @@global.read_only' 2>/dev/null) == 0 ]]; }

# ---- The flavors' dialect ----------------------------------------------------
# Every point where MySQL 8.4 and MariaDB 11.4 name a thing differently that
# the scripts share, one function (or constant) each, mirroring flavors.ts
# (FlavorSpec.dialect); dialect.ts lists every flavor-specific name the scripts
# use with the manual page it comes from, and a unit test holds them to it.
# Each `case $FLAVOR` names both flavors, (mariadb) and (mysql): FLAVOR was
# checked above, so no default arm stands for either.
# Plain bash only: the sidecar runs these in the backup image, where awk and
# sed are not confirmed (UBI 9 minimal, image-facts.ts).

# The SHOW REPLICA STATUS columns replication_state reads, in the order
# "io sql source errno". MariaDB keeps its Slave_/Master_ column names under
# the new statement; MySQL 8.4 says Replica_/Source_.
# https://mariadb.com/kb/en/show-replica-status/
# https://dev.mysql.com/doc/refman/8.4/en/show-replica-status.html
replica_status_columns() {
  case $FLAVOR in
    mariadb) printf '%s\n' 'Slave_IO_Running Slave_SQL_Running Master_Host Last_IO_Errno' ;;
    mysql) printf '%s\n' 'Replica_IO_Running Replica_SQL_Running Source_Host Last_IO_Errno' ;;
  esac
}

# The Last_IO_Errno of a replica whose source purged binary logs it needs.
# MariaDB reports the source's ER_MASTER_FATAL_ERROR_READING_BINLOG (1236)
# itself; MySQL 8.x wraps it in ER_SERVER_SOURCE_FATAL_ERROR_READING_BINLOG
# (13114), naming 1236 only in Last_IO_Error's text.
# https://mariadb.com/kb/en/mariadb-error-codes/
# https://dev.mysql.com/doc/mysql-errors/8.4/en/server-error-reference.html
purged_binlog_errno() {
  case $FLAVOR in
    mariadb) printf '%s\n' 1236 ;;
    mysql) printf '%s\n' 13114 ;;
  esac
}

# The server option that keeps replication threads from starting with the
# server (server.cnf sets it; the sidecar starts them once it has checked the
# source and the position). A clone taken from a replica carries that
# replica's source settings, so without it the clone would start replicating
# before the sidecar declares its position.
skip_replica_start_option() {
  case $FLAVOR in
    mariadb) printf '%s\n' skip_slave_start ;;
    mysql) printf '%s\n' skip_replica_start ;;
  esac
}

# own_gtid_position PREFIX...: where a former primary resumes replicating from.
# MariaDB starts a replica at an explicit position, its gtid_slave_pos, so a
# former primary starts from its own binlog position (gtid_binlog_pos). MySQL
# has no such variable (error 1193): with SOURCE_AUTO_POSITION the replica
# sends its gtid_executed and the source sends what that set lacks, so there is
# no position to set; this prints the executed set, for the log only.
own_gtid_position() {
  case $FLAVOR in
    mariadb) gtid_set "$@" -e 'SELECT @@global.gtid_binlog_pos' ;;
    mysql) gtid_set "$@" -e 'SELECT @@global.gtid_executed' ;;
  esac || return 1
  printf '\n'
}

# The set of transactions a server has executed, in the flavor's notation:
# MySQL's gtid_executed; MariaDB's gtid_binlog_state (the last sequence number
# per domain and server id, which is what tells whose transactions these are).
executed_gtids() {
  case $FLAVOR in
    mariadb) gtid_set "$@" -e 'SELECT @@global.gtid_binlog_state' ;;
    mysql) gtid_set "$@" -e 'SELECT @@global.gtid_executed' ;;
  esac
}

# gtid_set CLIENT-COMMAND...: the GTID set the command prints, as one word:
# newlines and spaces removed, also the "\n" the client's --batch prints for
# a newline inside a value (MySQL's ",\n" between servers' sets).
gtid_set() {
  local gtids
  gtids=$("$@") || return 1
  gtids=${gtids//$'\n'/}
  gtids=${gtids//\\n/}
  printf '%s' "${gtids// /}"
}

# errant_gtids MINE THEIRS: the transactions in MINE that THEIRS lacks, as
# text ("" when none). MySQL computes it in SQL; for MariaDB a transaction is
# ours alone when our own server id's sequence number in a domain is ahead of
# what THEIRS holds for that server id (only the primary writes, so only a
# server's own entries can be errant; what it applied came from a primary).
errant_gtids() {
  local mine=$1 theirs=$2
  case $FLAVOR in
    mariadb)
      local me entry domain id seq out="" entries
      local -A have=()
      me=$(server_id)
      # "domain-server_id-sequence" entries, comma-separated.
      IFS=, read -ra entries <<<"$theirs"
      for entry in "${entries[@]}"; do
        IFS=- read -r domain id seq <<<"$entry"
        [[ $seq =~ ^[0-9]+$ ]] || seq=0
        have[$domain-$id]=$(( 10#$seq ))
      done
      IFS=, read -ra entries <<<"$mine"
      for entry in "${entries[@]}"; do
        IFS=- read -r domain id seq <<<"$entry"
        [[ $id =~ ^[0-9]+$ ]] || continue
        (( 10#$id == me )) || continue
        [[ $seq =~ ^[0-9]+$ ]] || seq=0
        if [[ -z ${have[$domain-$id]+set} ]] || (( ${have[$domain-$id]} < 10#$seq )); then out+=${out:+,}$entry; fi
      done
      printf '%s' "$out" ;;
    mysql) sql_root -e "SELECT GTID_SUBTRACT('$mine', '$theirs')" ;;
  esac
}
# Client option that keeps TLS off the pod-local socket. The socket never
# leaves the pod and counts as secure transport, while the MariaDB client's
# TLS handshake there costs about two thirds of each call's CPU (BENCHMARKS.md,
# idle cost), which the sidecar and probes pay every few seconds on every pod.
case $FLAVOR in
  mariadb) readonly SOCKET_TLS_OFF=--skip-ssl ;;
  mysql) readonly SOCKET_TLS_OFF=--ssl-mode=DISABLED ;;
esac

# Client options for a verified TLS connection to another pod.
remote_tls_options() {
  case $FLAVOR in
    mariadb) printf '%s\n' --ssl --ssl-ca="$TLS_CA" --ssl-verify-server-cert ;;
    mysql) printf '%s\n' --ssl-mode=VERIFY_IDENTITY --ssl-ca="$TLS_CA" ;;
  esac
}

# identified_by PASSWORD: the clause that sets an account's password, as SQL.
# MariaDB shows every running statement's text, unaltered, to any user with
# PROCESS (information_schema.processlist), which the exporter and backup
# users need: polling it as such a user while 20000 ALTER USER ... IDENTIFIED
# BY 'pw' ran caught the clear password in 246 of 300 polls (MariaDB 10.11.19,
# 2026-12). So MariaDB gets the mysql_native_password hash (its default
# plugin), "*" and SHA1(SHA1(password)) in upper-case hex, as PASSWORD()
# computes it (https://mariadb.com/kb/en/password/); the hash is not enough to
# log in. MySQL 8.4 keeps the plain form: its default plugin is
# caching_sha2_password, whose stored form a client cannot compute.
identified_by() {
  local hash
  case $FLAVOR in
    mariadb)
      hash=$(native_password_hash "$1") && [[ $hash =~ ^\*[0-9A-F]{40}$ ]] || return 1
      printf "IDENTIFIED BY PASSWORD '%s'" "$hash" ;;
    mysql) printf "IDENTIFIED BY '%s'" "$1" ;;
  esac
}

# native_password_hash PASSWORD: MariaDB's PASSWORD(PASSWORD). The password
# reaches sha1sum on a pipe, never an argument; printf and the loop are builtins.
native_password_hash() {
  local digest bytes="" i
  digest=$(printf '%s' "$1" | sha1sum) || return 1
  for (( i = 0; i < 40; i += 2 )); do bytes+="\\x${digest:i:2}"; done
  digest=$(printf '%b' "$bytes" | sha1sum) || return 1
  digest=${digest%% *}
  printf '*%s\n' "${digest^^}"
}

# ---- end of the flavors' dialect -------------------------------------------

# The characters a password may hold: none of them is special in SQL quotes
# or option files. Checked on every read, not once at start, because the
# kubelet can change the files at any moment (rotation).
readonly PASSWORD_PATTERN='^[A-Za-z0-9_.~+=@%^:,/-]+$'

# complain_once KEY MESSAGE: logs MESSAGE, unless it was already logged for
# this same value of Secret key KEY (the sidecar checks every round; one line
# per bad value is enough). The marker holds a digest, never the value.
complain_once() {
  local key=$1 message=$2 marker digest seen=""
  marker=$PRIVATE_DIR/complaint.$key
  digest=$( { printf '%s\n' "$message"; cat "$SECRETS_DIR/$key" 2>/dev/null || true; } | sha256sum)
  [[ -r $marker ]] && seen=$(<"$marker")
  [[ $seen == "$digest" ]] && return 0
  log "ERROR: $message"
  [[ -d $PRIVATE_DIR && -w $PRIVATE_DIR ]] && printf '%s\n' "$digest" >"$marker"
  return 0
}

# read_password VAR KEY: sets VAR to the value of Secret key KEY, read by the
# shell itself, once the value is present and holds only PASSWORD_PATTERN's
# characters. Otherwise VAR is emptied, one line naming the key (never the
# value) is logged, and the status is 1: the caller changes nothing.
read_password() {
  # Locals named apart from any caller's variable: printf -v would set ours instead.
  local _rp_key=$2 _rp_value=""
  printf -v "$1" '%s' ""
  [[ -r $SECRETS_DIR/$_rp_key ]] && _rp_value=$(<"$SECRETS_DIR/$_rp_key")
  if [[ -z $_rp_value ]]; then
    complain_once "$_rp_key" "password \"$_rp_key\" is empty or missing: set key \"$_rp_key\" in Secret ${SECRET_NAME:-?}"
    return 1
  fi
  if ! [[ $_rp_value =~ $PASSWORD_PATTERN ]]; then
    complain_once "$_rp_key" "password \"$_rp_key\" in Secret ${SECRET_NAME:-?} has characters outside A-Z a-z 0-9 _.~+=@%^:,/- ; nothing was changed with it"
    return 1
  fi
  printf -v "$1" '%s' "$_rp_value"
}

# password KEY: prints the checked value of Secret key KEY; fails (printing
# nothing) when it is missing or unsafe, see read_password.
password() {
  local value
  read_password value "$1" || return 1
  printf '%s' "$value"
}

# Fails with a line naming the Secret key when a password is missing or holds
# characters that cannot go into SQL and option files safely.
require_password() {
  local value
  read_password value "$1" || exit 1
}

# Option file text for a client connection; printf is a shell builtin, so the
# password stays inside this process and the pipe that carries it.
client_options() {
  local user=$1 password=$2 group
  for group in client mysqldump xtrabackup mariadb-backup; do
    printf '[%s]\nuser=%s\npassword=%s\n' "$group" "$user" "$password"
  done
}

# The backup tools read their option files more than once, which a pipe cannot
# serve; they get a private file (mode 0600) on the sidecar's own memory-backed
# volume instead. The caller removes it (its path is printed).
private_option_file() {
  local file value
  read_password value "$2" || return 1
  file=$(umask 077 && mktemp "$PRIVATE_DIR/client.XXXXXX.cnf") || return 1
  client_options "$1" "$value" >"$file" || { rm -f "$file"; return 1; }
  printf '%s\n' "$file"
}

# sql_as USER KEY [client options...]: SQL on stdin or -e, over the local socket.
sql_as() {
  local user=$1 key=$2 value; shift 2
  read_password value "$key" || return 1
  "$DB_CLIENT" --defaults-extra-file=<(client_options "$user" "$value") \
    --socket="${SQL_SOCKET:-$SOCKET}" "$SOCKET_TLS_OFF" --batch --skip-column-names --connect-timeout=5 "$@"
}

# sql_root [client options...]: SQL as root with the password last seen working
# (kept by the sidecar and init-data), so a rotation can use the old one once.
sql_root() {
  [[ -r $ROOT_CNF ]] || { echo "root's password is not known to this pod yet" >&2; return 1; }
  "$DB_CLIENT" --defaults-extra-file="$ROOT_CNF" --socket="${SQL_SOCKET:-$SOCKET}" "$SOCKET_TLS_OFF" \
    --batch --skip-column-names --connect-timeout=5 "$@"
}

# Records PASSWORD as root's working password for this pod's scripts. Refuses
# a value outside PASSWORD_PATTERN, whoever passes it.
save_root_password() {
  [[ $1 =~ $PASSWORD_PATTERN ]] || { log "ERROR: refusing to save an unsafe root password"; return 1; }
  (umask 077 && client_options root "$1" >"$ROOT_CNF.tmp") && mv "$ROOT_CNF.tmp" "$ROOT_CNF"
}

# sql_root_unlogged: SQL on stdin as root, with the binary log off for the
# session, for statements that name a password (CREATE/ALTER USER): each pod
# applies them itself, so no password reaches a binary log, a relay log or a
# replica, and a rotation needs no replication. MariaDB lets root write under
# read_only (READ ONLY ADMIN); MySQL's super_read_only stops root too, so it is
# lifted for this one call and restored on every path, the failed ones too.
# The SQL never reaches a command line: it is read here and piped on.
# Decided by read_only, not super_read_only: a run killed between the lift and
# the restore leaves read_only ON and super_read_only OFF (root and every
# SUPER user then write to a replica), which nothing else notices, since
# is_writable reads read_only; the next run (the sidecar applies the users at
# every start) restores it. On MySQL a server with read_only ON is a replica,
# or a primary about to be promoted, which lifts both (promote.sh).
sql_root_unlogged() {
  local sql="" status=0
  IFS= read -r -d '' sql || true
  case $FLAVOR in
    mysql)
      local read_only
      read_only=$(sql_root -e 'SELECT @@global.read_only') || return 1
      if [[ $read_only == 1 ]]; then
        printf 'SET sql_log_bin = 0;\nSET GLOBAL super_read_only = OFF;\n%s\n' "$sql" | sql_root || status=$?
        sql_root -e 'SET GLOBAL super_read_only = ON' || { log "ERROR: could not restore super_read_only"; status=1; }
        return "$status"
      fi
      ;;
    mariadb) ;;  # root writes under read_only (READ ONLY ADMIN): nothing to lift
  esac
  printf 'SET sql_log_bin = 0;\n%s\n' "$sql" | sql_root
}

# The root password ROOT_CNF holds (read without a subprocess: the sidecar
# asks on every round).
saved_root_password() {
  local line
  while IFS= read -r line; do
    [[ $line == password=* ]] && { printf '%s\n' "${line#password=}"; return 0; }
  done <"$ROOT_CNF"
}

# Writes the metrics exporter's option file (its image has no shell to do it),
# when metrics are on. Over the socket, which counts as secure transport.
# Prints "changed" when it wrote a new login, nothing when the file was current.
# Its only section is [client], with the pod-local socket: the login belongs to
# 'exporter'@'localhost', which no other server has and no TCP connection
# matches (see serve-metrics.sh for how remote targets are refused).
write_exporter_config() {
  [[ ${METRICS:-false} == true ]] || return 0
  local value text current=""
  read_password value "$SECRET_KEY_EXPORTER" || return 1
  text=$(printf '[client]\nuser=exporter\npassword=%s\nsocket=%s' "$value" "$SOCKET")
  [[ -r $EXPORTER_CNF ]] && current=$(<"$EXPORTER_CNF")
  [[ $current == "$text" ]] && return 0
  (umask 077 && printf '%s\n' "$text" >"$EXPORTER_CNF.tmp") && mv "$EXPORTER_CNF.tmp" "$EXPORTER_CNF" || return 1
  echo changed
}

# Asks the exporter to re-read its login (mysqld_exporter >= 0.15: POST
# /-/reload answers "ok"; https://github.com/prometheus/mysqld_exporter
# mysqld_exporter.go), so it keeps logging in after a rotation. Over bash's
# /dev/tcp: both backup images have bash, neither needs curl. Fails when the
# exporter does not confirm.
reload_exporter() {
  local answer="" line
  exec {http}<>"/dev/tcp/127.0.0.1/${EXPORTER_HTTP_PORT:-$EXPORTER_LOCAL_PORT}" || return 1
  printf 'POST /-/reload HTTP/1.0\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n' >&"$http"
  while IFS= read -r -t 5 line <&"$http"; do answer+="${line%$'\r'}"$'\n'; done
  answer+=$line
  exec {http}<&-
  [[ $answer == "HTTP/1."?" 200"* && $answer == *$'\n'ok ]]
}

# sql_remote HOST USER KEY [client options...]: SQL on another pod, over TLS
# with the server's certificate checked against the cluster's CA and name.
sql_remote() {
  local host=$1 user=$2 key=$3 tls value; shift 3
  read_password value "$key" || return 1
  mapfile -t tls < <(remote_tls_options)
  "$DB_CLIENT" --defaults-extra-file=<(client_options "$user" "$value") \
    --host="$host" --port="$MYSQL_PORT" --protocol=TCP "${tls[@]}" --batch --skip-column-names --connect-timeout=5 "$@"
}

# socat address options that make the backup stream mutual TLS: each side
# shows the cluster's certificate and checks the other's against the CA.
stream_tls_options() { printf 'cert=%s,key=%s,cafile=%s,verify=1' "$TLS_CERT" "$TLS_KEY" "$TLS_CA"; }

# The CA alone cannot tell a member: with tlsSecret it may be a company CA or
# cert-manager's shared issuer, whose certificates other workloads hold. So,
# inside the mutual TLS, the client's first line must be this token, which
# only holders of Secret key SECRET_KEY_BACKUP can compute (the sidecar,
# clone-data, the backup Job); serve-backup.sh sends nothing before it checks
# it. A digest, not the password: the password itself never crosses the wire.
# The hash reads the password on a pipe, never an argument.
stream_token() {
  local value digest
  read_password value "$SECRET_KEY_BACKUP" || return 1
  digest=$(printf 'mysql-cluster backup stream\n%s\n' "$value" | sha256sum) || return 1
  printf '%s\n' "${digest%% *}"
}

# The backup listener's own options. Each connection forks a socat child that
# does the TLS handshake before anything else, and socat's -T counts only in
# the transfer that follows: a client that opens TCP and says nothing held a
# child forever (socat 1.7.4, measured), so any pod reaching the port could
# pile up processes until the sidecar's memory limit killed it. Two bounds:
# a receive timeout on the accepted socket (SO_RCVTIMEO, level 1 option 20 on
# Linux, a struct timeval of two little-endian 64-bit words: x86-64, arm64),
# which fails a stalled handshake, while the transfer only reads after poll()
# says data is there, so a long stream is unaffected; and at most
# STREAM_MAX_CONNECTIONS children (socat waits to accept more).
readonly STREAM_HANDSHAKE_SECONDS=${STREAM_HANDSHAKE_SECONDS:-10}
readonly STREAM_MAX_CONNECTIONS=4
stream_listen_options() {
  local seconds
  printf -v seconds '%016x' "$STREAM_HANDSHAKE_SECONDS"
  # Little-endian: the bytes of the 64-bit value in reverse order.
  local le="" i
  for (( i = 14; i >= 0; i -= 2 )); do le+=${seconds:i:2}; done
  printf 'max-children=%s,setsockopt-bin=1:20:x%s%s' "$STREAM_MAX_CONNECTIONS" "$le" 0000000000000000
}

# socat options of both ends of a stream: blocks, the inactivity timeout, and
# the wait after one direction ends (the client's token line ends its sending
# side, yet the stream comes back the other way for as long as it moves).
stream_socat_options() { printf '%s\n' -b "$STREAM_BLOCK_BYTES" -T "$STREAM_IDLE_SECONDS" -t "$STREAM_IDLE_SECONDS"; }

# Replication state of a server, as "io sql lag source errno" on one line,
# the same for both flavors (replica_status_columns names each flavor's columns);
# "none" (errno 0) for what the server does not report.
# lag is the age in seconds of the newest heartbeat row the primary wrote, so it
# grows even while a cut network leaves the threads believing they are connected.
# Arguments: a sql_root, sql_as or sql_remote invocation prefix.
replication_state() {
  local status
  # One client call for both statements: the sidecar reads this every round.
  status=$("$@" --column-names --vertical -e 'SHOW REPLICA STATUS;
    SELECT TIMESTAMPDIFF(MICROSECOND, ts, UTC_TIMESTAMP(6)) DIV 1000000 AS Cluster_heartbeat_lag FROM cluster_meta.heartbeat WHERE id = 1') || return 1
  parse_replication_state <<<"$status"
}

# parse_replication_state: replication_state's line from the client's
# --vertical output on stdin ("  Column: value" lines; the last row wins).
parse_replication_state() {
  local line key value io_col sql_col source_col errno_col
  local io="" sql="" lag="" source="" errno=""
  read -r io_col sql_col source_col errno_col <<<"$(replica_status_columns)"
  while IFS= read -r line; do
    line=${line#"${line%%[! ]*}"}
    [[ $line == *:* ]] || continue
    key=${line%%:*}
    value=${line#*:}
    value=${value# }
    case $key in
      "$io_col") io=$value ;;
      "$sql_col") sql=$value ;;
      "$source_col") source=$value ;;
      "$errno_col") errno=$value ;;
      Cluster_heartbeat_lag) lag=$value ;;
    esac
  done
  printf '%s %s %s %s %s\n' "${io:-none}" "${sql:-none}" "${lag:-none}" "${source:-none}" "${errno:-0}"
}

# wait_until SECONDS WHAT COMMAND...: polls COMMAND once a second until it succeeds.
wait_until() {
  local limit=$1 what=$2 waited=0; shift 2
  until "$@" >/dev/null 2>&1; do
    (( waited++ < limit )) || die "gave up after ${limit}s waiting for $what"
    sleep 1
  done
}

# caught_up_replica_below N: prints the highest ordinal below N, the primary
# aside, that is a running replica within MAX_READ_LAG_SECONDS; fails when
# none is. Backups and clones are taken from such a replica, so the primary is
# spared their load.
caught_up_replica_below() {
  local candidate state io sql lag primary
  primary=$(primary_ordinal)
  for (( candidate = $1 - 1; candidate >= 0; candidate-- )); do
    (( candidate == primary )) && continue
    if ! state=$(replication_state sql_remote "$(peer_host "$candidate")" monitor "$SECRET_KEY_MONITOR" 2>/dev/null); then
      log "not using ordinal $candidate: it does not answer"
      continue
    fi
    read -r io sql lag _ <<<"$state"
    if [[ $io == Yes && $sql == Yes && $lag =~ ^[0-9]+$ ]] && (( lag <= MAX_READ_LAG_SECONDS )); then
      printf '%s\n' "$candidate"
      return 0
    fi
    log "not using ordinal $candidate: replication io=$io sql=$sql lag=${lag}s"
  done
  return 1
}

# clone_source N: prints the ordinal pod N clones from: the nearest lower
# caught-up replica (caught_up_replica_below, sparing the primary), else the
# primary when it answers. When the primary does not answer it may be lost,
# and a failover waits for this very pod to answer (a replica that cannot be
# asked might hold an acknowledged commit): choosing it again would wait
# forever, so any member answering with its applier running will do, the one
# with the freshest heartbeat (the most advanced). Scanned upwards; past N,
# the first pod name that does not resolve (client error 2005) ends the
# StatefulSet. Fails when nobody answers.
clone_source() {
  local ord=$1 primary candidate state sql lag best="" best_lag=0 errors
  caught_up_replica_below "$ord" && return 0
  primary=$(primary_ordinal)
  if (( primary != ord )) && sql_remote "$(peer_host "$primary")" monitor "$SECRET_KEY_MONITOR" -e 'SELECT 1' >/dev/null 2>&1; then
    printf '%s\n' "$primary"
    return 0
  fi
  log "the primary (ordinal $primary) does not answer; cloning from the most advanced replica that does"
  errors=$TMP_DIR/clone-source.err
  for (( candidate = 0; candidate < 100; candidate++ )); do
    (( candidate == ord || candidate == primary )) && continue
    if ! state=$(replication_state sql_remote "$(peer_host "$candidate")" monitor "$SECRET_KEY_MONITOR" 2>"$errors"); then
      (( candidate > ord )) && [[ -r $errors && $(<"$errors") == *"ERROR 2005"* ]] && break
      continue
    fi
    read -r _ sql lag _ <<<"$state"
    [[ $sql == Yes && $lag =~ ^[0-9]+$ ]] || { log "not using ordinal $candidate: applier $sql, heartbeat ${lag}s old"; continue; }
    if [[ -z $best ]] || (( lag < best_lag )); then best=$candidate best_lag=$lag; fi
  done
  rm -f "$errors"
  [[ -n $best ]] || return 1
  printf '%s\n' "$best"
}

# receive_backup HOST DIR: streams a hot physical backup from HOST's backup port
# into the empty directory DIR over mutual TLS, checks that it arrived whole
# (its last file is an end marker the sender adds only after the backup
# succeeded) and prepares it, so DIR is a consistent data directory.
receive_backup() {
  local host=$1 dir=$2 started token options
  started=$(date +%s)
  token=$(stream_token) || die "cannot prove membership to $host without Secret key $SECRET_KEY_BACKUP"
  mapfile -t options < <(stream_socat_options)
  # Several writers unpack the stream: one left the receiver behind the network.
  # shut-none: the end of the token line must not close the connection's
  # sending side, which the server's socat would take for the end of the stream.
  printf '%s\n' "$token" |
    socat "${options[@]}" STDIO "OPENSSL:$host:$BACKUP_PORT,$(stream_tls_options),connect-timeout=10,shut-none,$STREAM_KEEPALIVE" |
    "$STREAM_TOOL" -x --parallel="$BACKUP_PARALLELISM" -C "$dir" ||
    die "the backup stream from $host broke off or stalled (nothing for ${STREAM_IDLE_SECONDS}s); the partial copy will be discarded on the next attempt"
  [[ -f $dir/$STREAM_END_MARKER ]] ||
    die "the backup stream from $host ended before its end marker; the partial copy will be discarded on the next attempt"
  log "stream complete after $(( $(date +%s) - started ))s; preparing"
  "$BACKUP_TOOL" --prepare --target-dir="$dir" --use-memory=256M >"$TMP_DIR/prepare.log" 2>&1 ||
    die "preparing the backup failed: $(tail -5 "$TMP_DIR/prepare.log")"
  rm -f "$dir/$STREAM_END_MARKER"
}

# complete_backups DIR: the names of the complete backups in DIR, oldest first.
complete_backups() {
  local entry
  for entry in "$1"/*/; do
    entry=${entry%/}
    [[ ${entry##*/} =~ $BACKUP_NAME_PATTERN && -f $entry/$BACKUP_INFO ]] && printf '%s\n' "${entry##*/}"
  done
  return 0
}

# backup_info_file DIR NAME: the backup tool's file NAME ("slave_info",
# "binlog_info") in DIR. mariadb-backup names it mariadb_backup_NAME from
# MariaDB 11.1 on (MDEV-18931), so 11.4 writes only that; XtraBackup 8.4 and
# mariadb-backup before 11.1 write xtrabackup_NAME.
# https://mariadb.com/kb/en/files-created-by-mariabackup/
backup_info_file() {
  local name
  for name in "mariadb_backup_$2" "xtrabackup_$2"; do
    [[ -s $1/$name ]] && { printf '%s\n' "$1/$name"; return 0; }
  done
  return 1
}

# backup_position DIR: the replication position a prepared backup is consistent
# with. From a MariaDB replica it is that replica's applied position (the
# gtid_slave_pos of the slave info file); otherwise the server's own GTIDs,
# the third column of the binlog info file ("file<TAB>position<TAB>gtids"),
# with MySQL's multi-server sets continued on further lines.
backup_position() {
  local dir=$1 gtid="" line value fields info
  if info=$(backup_info_file "$dir" slave_info); then
    # The first line with gtid_slave_pos = '<gtids>' (spaces allowed around "=").
    while IFS= read -r line || [[ -n $line ]]; do
      [[ $line == *gtid_slave_pos* ]] || continue
      value=${line#*gtid_slave_pos}
      value=${value#"${value%%[! ]*}"}
      [[ $value == =* ]] || continue
      value=${value#=}
      value=${value#"${value%%[! ]*}"}
      [[ $value == \'*\'* ]] || continue
      value=${value#\'}
      gtid=${value%%\'*}
      break
    done <"$info"
  fi
  if [[ -z $gtid ]] && info=$(backup_info_file "$dir" binlog_info); then
    local first=1
    while IFS= read -r line || [[ -n $line ]]; do
      read -ra fields <<<"$line"
      if (( first )); then
        fields=("${fields[@]:2}")
        first=0
      fi
      printf -v line '%s' "${fields[@]}"
      gtid+=$line
    done <"$info"
  fi
  [[ -n $gtid ]] || return 1
  printf '%s\n' "$gtid"
}

# Finishes or undoes a re-clone swap that a crash interrupted, so that DATADIR
# is always either the old complete data or the new complete clone.
recover_interrupted_swap() {
  [[ -d $DATA_OLD ]] || return 0
  if [[ -d $DATADIR ]]; then
    rm -rf "$DATA_OLD"
  elif [[ -f $STAGING/$PREPARED_MARKER ]]; then
    log "finishing an interrupted re-clone swap"
    mv "$STAGING" "$DATADIR" && rm -rf "$DATA_OLD"
  else
    log "undoing an interrupted re-clone swap"
    mv "$DATA_OLD" "$DATADIR"
  fi
}

# keep_errant_binlogs OLD_DATADIR: before a data directory that held errant
# transactions (a former primary's commits that were written but never
# acknowledged, or a write made around read_only) is discarded, its newest two
# binary logs, where those transactions are, move to
# DATA_ROOT/errant-<UTC time>/ with the note naming them, for a person to
# inspect (mysqlbinlog, mariadb-binlog) and replay or drop; the re-clone never
# drops them silently. Does nothing without the note.
keep_errant_binlogs() {
  local old=$1 keep logs
  [[ -f $ERRANT_NOTE ]] || return 0
  keep=$DATA_ROOT/errant-$(date -u +%Y%m%dT%H%M%SZ)
  mkdir -p "$keep"
  logs=("$old"/binlog.[0-9]*)
  [[ -e ${logs[0]} ]] || logs=()
  (( ${#logs[@]} > 2 )) && logs=("${logs[@]: -2}")
  (( ${#logs[@]} > 0 )) && mv "${logs[@]}" "$keep/"
  mv "$ERRANT_NOTE" "$keep/errant-gtids"
  log "kept the binary logs holding the errant transactions in $keep (errant GTIDs: $(<"$keep/errant-gtids"))"
}
