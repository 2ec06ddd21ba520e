# shellcheck shell=bash disable=SC2034  # sets `now` for the agent that sources it
# What the failover agent (failover-agent.sh) needs beyond lib.sh: the pod's
# monotonic clock, the state it publishes for the pod's other scripts, a
# server's replication progress as one comparable word, and the SQL of fencing
# and of the server-side dead man's switch. Sourced after lib.sh, never run.
# Plain bash: the agent runs in the backup image, where awk, sed and grep are
# not confirmed for the mysql flavor (image-facts.ts).

# The pod's monotonic clock in centiseconds, into the variable `now`:
# /proc/uptime counts from boot and no clock setting moves it, so the lease
# timings never compare two machines' clocks (the issue's rule; Patroni and
# CloudNativePG time a lease the same way). No process is started.
mono_now() {
  local up
  read -r up _ </proc/uptime
  now=$((10#${up/./}))
}

# ---- What the agent publishes -------------------------------------------------
# One line in AGENT_STATE (the pod's memory-backed RUN_DIR, no secret in it):
# "<role> <primary ordinal or none> <term>", role being
#   primary   this pod holds the Lease and takes writes;
#   replica   it follows the holder named;
#   lost      the holder's lease ran out and this pod stopped listening to it
#             (a failover is under way: replication must not be restarted);
#   fenced    this pod held the Lease and lost it or could not renew it.
# The sidecar loop, the readiness verdict and the backup source choice read it.
publish_state() {
  printf '%s %s %s\n' "$1" "$2" "$3" >"$AGENT_STATE.tmp" && mv "$AGENT_STATE.tmp" "$AGENT_STATE"
}

# ---- Replication progress -------------------------------------------------------
# progress_state PREFIX...: "io received executed" of a server, one line: its
# IO thread state (Yes, No, Connecting or none when it is no replica), the
# transactions it has received (applied or still in its relay log) and those
# it has executed, each as one word ("" shown as "-"). What a replica has
# received is what a semi-synchronous primary may have acknowledged.
# MariaDB: Gtid_IO_Pos (SHOW SLAVE STATUS) and gtid_binlog_pos; MySQL:
# Retrieved_Gtid_Set and Executed_Gtid_Set (SHOW REPLICA STATUS).
# https://mariadb.com/kb/en/show-replica-status/
# https://dev.mysql.com/doc/refman/8.4/en/show-replica-status.html
progress_state() {
  local status line key value io="" received="" executed="" io_col received_col
  case $FLAVOR in
    mariadb) io_col=Slave_IO_Running received_col=Gtid_IO_Pos
             status=$("$@" --column-names --vertical -e 'SHOW REPLICA STATUS; SELECT @@global.gtid_binlog_pos AS Cluster_executed') || return 1 ;;
    mysql) io_col=Replica_IO_Running received_col=Retrieved_Gtid_Set
           status=$("$@" --column-names --vertical -e 'SHOW REPLICA STATUS; SELECT @@global.gtid_executed AS Cluster_executed') || return 1 ;;
  esac
  # A GTID set can span lines (MySQL's ",\n" between servers): continuation
  # lines have no "Column:" and belong to the value before.
  while IFS= read -r line; do
    line=${line#"${line%%[! ]*}"}
    if [[ $line =~ ^([A-Za-z_]+):\ ?(.*)$ ]]; then
      key=${BASH_REMATCH[1]} value=${BASH_REMATCH[2]}
    else
      [[ $line == \*\** ]] && continue
      value=$line
    fi
    case $key in
      "$io_col") io=$value ;;
      "$received_col") [[ $line == "$value" ]] && received+=$value || received=$value ;;
      Cluster_executed) [[ $line == "$value" ]] && executed+=$value || executed=$value ;;
    esac
  done <<<"$status"
  received=${received// /} executed=${executed// /}
  received=${received//\\n/} executed=${executed//\\n/}
  printf '%s %s %s\n' "${io:-none}" "${received:--}" "${executed:--}"
}

# covers MINE THEIRS: succeeds when the transactions MINE names include every
# one THEIRS names ("-" is the empty set). MariaDB positions are
# "domain-server-sequence", the last transaction per domain; with
# gtid_strict_mode a domain's sequence only grows along one history, so on one
# history MINE covers THEIRS when it is as far in every domain. Two servers'
# transactions with the same domain and sequence number are two histories
# (MariaDB itself refuses a replica whose position it lacks: "which is not in
# the master's binlog ... the slave has diverged", ER_GTID_POSITION_NOT_FOUND_IN_BINLOG2),
# so they cover each other in neither direction. A position cannot tell a
# longer diverged history (a former primary's unacknowledged commits, its own
# server id) from a longer common one: such a server is kept out of the
# comparison instead (may_take_over: its replication is not set up). MySQL
# compares GTID sets with GTID_SUBSET, which merges the repeated UUIDs of a
# joined set.
# https://mariadb.com/kb/en/gtid/  https://mariadb.com/kb/en/mariadb-error-codes/ (1955)
# https://dev.mysql.com/doc/refman/8.4/en/gtid-functions.html
covers() {
  local mine=${1#-} theirs=${2#-}
  [[ -z $theirs ]] && return 0
  case $FLAVOR in
    mariadb)
      local entry domain server seq entries
      local -A have=() by=()
      IFS=, read -ra entries <<<"$mine"
      for entry in "${entries[@]}"; do
        IFS=- read -r domain server seq <<<"$entry"
        [[ $domain =~ ^[0-9]+$ && $server =~ ^[0-9]+$ && $seq =~ ^[0-9]+$ ]] || continue
        if [[ -z ${have[$domain]+set} ]] || (( have[$domain] < 10#$seq )); then have[$domain]=$((10#$seq)) by[$domain]=$((10#$server)); fi
      done
      IFS=, read -ra entries <<<"$theirs"
      for entry in "${entries[@]}"; do
        IFS=- read -r domain server seq <<<"$entry"
        [[ $domain =~ ^[0-9]+$ && $server =~ ^[0-9]+$ && $seq =~ ^[0-9]+$ ]] || return 1
        [[ -n ${have[$domain]+set} ]] && (( have[$domain] >= 10#$seq )) || return 1
        (( have[$domain] > 10#$seq || by[$domain] == 10#$server )) || return 1
      done ;;
    mysql) [[ $(sql_root -e "SELECT GTID_SUBSET('$theirs', '$mine')") == 1 ]] ;;
  esac
}

# most_received RECEIVED EXECUTED: the later of a replica's two positions, as
# one word for covers: MariaDB per domain (a replica may have executed in a
# domain it receives nothing in, e.g. a write made around read_only), the
# executed entry on a tie; MySQL the union, written as the joined sets.
most_received() {
  local received=${1#-} executed=${2#-}
  case $FLAVOR in
    mariadb)
      local entry domain seq entries out="" order=()
      local -A best=() best_seq=()
      IFS=, read -ra entries <<<"$executed,$received"
      for entry in "${entries[@]}"; do
        IFS=- read -r domain _ seq <<<"$entry"
        [[ $domain =~ ^[0-9]+$ && $seq =~ ^[0-9]+$ ]] || continue
        if [[ -z ${best[$domain]+set} ]]; then order+=("$domain"); elif (( best_seq[$domain] >= 10#$seq )); then continue; fi
        best[$domain]=$entry best_seq[$domain]=$((10#$seq))
      done
      for domain in "${order[@]}"; do out+=${out:+,}${best[$domain]}; done
      printf '%s' "${out:--}" ;;
    mysql) local joined=$received${received:+${executed:+,}}$executed; printf '%s' "${joined:--}" ;;
  esac
}

# may_take_over MY_ORDINAL OLD_ORDINAL MEMBERS MY_PROGRESS: the candidate
# choice. Succeeds when this replica is the one to take an expired or released
# Lease; otherwise prints why not (one line) and fails. MY_PROGRESS is this
# server's progress_state line; the others' come from peer_progress ORDINAL
# (the agent asks each pod's server; a failure means it does not answer).
# - A server whose replication is not set up (io "none": a former primary not
#   yet rejoined, a fresh clone not yet attached) is no candidate and is not
#   compared: it acknowledged nothing for the primary that was lost (a commit
#   is acknowledged by a connected replica), and what it holds beyond the
#   others is unacknowledged, its own server id's (errant) transactions, which
#   a MariaDB position cannot tell from a longer common history (covers).
#   Promoting it would drop the acknowledged commits it lacks.
# - Every other member but the old holder must answer (one that cannot be
#   asked might hold the last acknowledged commit) and have stopped listening
#   to the old holder; this one must have received at least as much as each;
#   ties go to the lowest ordinal.
# - MEMBERS is the StatefulSet's spec.replicas; a scale-down waits for a
#   failover (OrderedReady waits for every pod it keeps to be Ready), so pods
#   past it may still run and hold the last acknowledged commit: those that
#   answer are compared too, up to the first that does not.
may_take_over() {
  local me=$1 old=$2 members=$3 io received executed mine theirs o state
  read -r io received executed <<<"$4"
  if [[ $io == none ]]; then
    printf '%s\n' "this server's replication is not set up (a former primary not yet rejoined, or a clone not yet attached): it may lack acknowledged commits"
    return 1
  fi
  mine=$(most_received "$received" "$executed")
  local my_executed=$executed
  for (( o = 0; o < 100; o++ )); do
    (( o == me )) && continue
    [[ $o == "$old" ]] && continue
    if ! state=$(peer_progress "$o" 2>/dev/null); then
      (( o >= members )) && break
      printf '%s\n' "ordinal $o does not answer, and could hold an acknowledged commit"
      return 1
    fi
    read -r io received executed <<<"$state"
    [[ $io == none ]] && continue
    [[ $io == Yes ]] && { printf '%s\n' "ordinal $o still replicates from the primary"; return 1; }
    theirs=$(most_received "$received" "$executed")
    covers "$mine" "$theirs" || { printf '%s\n' "ordinal $o has received more"; return 1; }
    covers "$theirs" "$mine" || continue
    # A tie: the one whose own binary log holds more of it. A fresh clone's
    # binary log starts empty at its clone's position, and the others could
    # not start replicating from it (MariaDB: the position they ask for is
    # not in its binary log, error 1236, and they would re-clone from a
    # primary that waits for their acknowledgements).
    covers "$my_executed" "$executed" || { printf '%s\n' "ordinal $o has received as much and more of it in its binary log"; return 1; }
    if covers "$executed" "$my_executed" && (( o < me )); then printf '%s\n' "ordinal $o has received as much and a lower ordinal"; return 1; fi
  done
  return 0
}

# stop_listening: stops this replica's IO thread, so nothing more reaches it
# from the old primary, and a primary that lost its lease cannot have another
# commit acknowledged by it; the SQL thread goes on applying what arrived.
stop_listening() {
  case $FLAVOR in
    mariadb) sql_root -e 'STOP SLAVE IO_THREAD' ;;
    mysql) sql_root -e 'STOP REPLICA IO_THREAD' ;;
  esac
}

# applied_all_received SECONDS: waits up to SECONDS for this server to execute
# every transaction it received (its relay log), succeeding once it has.
applied_all_received() {
  local io received executed
  read -r io received executed <<<"$(progress_state sql_root)" || return 1
  [[ -n $io ]] || return 1
  covers "$executed" "$received" && return 0
  case $FLAVOR in
    mariadb) [[ $(sql_root -e "SELECT MASTER_GTID_WAIT('${received#-}', $1)") == 0 ]] ;;
    mysql) [[ $(sql_root -e "SELECT WAIT_FOR_EXECUTED_GTID_SET('${received#-}', $1)") == 0 ]] ;;
  esac
}

# semi_sync_clients: how many replicas are connected to this primary as
# semi-synchronous replicas (the ones that can acknowledge its commits).
# https://mariadb.com/kb/en/semisynchronous-replication/#rpl_semi_sync_master_clients
# https://dev.mysql.com/doc/refman/8.4/en/replication-semisync-monitoring.html
semi_sync_clients() {
  local name value
  case $FLAVOR in
    mariadb) read -r name value <<<"$(sql_root -e "SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_master_clients'")" ;;
    mysql) read -r name value <<<"$(sql_root -e "SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_source_clients'")" ;;
  esac
  [[ -n $name && $value =~ ^[0-9]+$ ]] || return 1
  printf '%s\n' "$value"
}

# set_wait_without_replicas ON|OFF: whether the primary waits for a replica's
# acknowledgement even while none is connected (with failover the timeout is
# unbounded, so ON means a primary cut off from every replica acknowledges
# nothing). https://mariadb.com/kb/en/semisynchronous-replication/#rpl_semi_sync_master_wait_no_slave
# https://dev.mysql.com/doc/refman/8.4/en/replication-options-source.html#sysvar_rpl_semi_sync_source_wait_no_replica
set_wait_without_replicas() {
  case $FLAVOR in
    mariadb) sql_root -e "SET GLOBAL rpl_semi_sync_master_wait_no_slave = $1" ;;
    mysql) sql_root -e "SET GLOBAL rpl_semi_sync_source_wait_no_replica = $1" ;;
  esac
}

# ---- The dead man's switch ------------------------------------------------------
# The primary's server turns itself read-only when FENCE_TABLE's deadline
# passes (the fence event, ensure-users.sh), and its heartbeat event stops
# writing: so a primary whose agent is frozen, killed or cut off stops taking
# writes by itself before anyone else may take over. The agent moves the
# deadline forward after each renewal, with the binary log off: it is this
# server's alone. set_fence_deadline SECONDS; "never" with failover off.
set_fence_deadline() {
  local deadline
  if [[ $1 == never ]]; then deadline="'9999-12-31 00:00:00'"; else deadline="UTC_TIMESTAMP(6) + INTERVAL $1 SECOND"; fi
  # Bounded: with commits waiting for an acknowledgement that never comes
  # (a primary cut off mid-commit), this write waited behind them and the
  # agent stalled with it, so it never fenced (failover-cutoff, e2e-pending).
  # A write cut off by the bound moves nothing later than asked: the time is
  # read when the statement starts.
  sql_root_within 2 -e "SET sql_log_bin = 0; REPLACE INTO cluster_meta.fence (id, deadline) VALUES (1, $deadline)"
}

# sql_root_within SECONDS [client options...]: sql_root, bounded by coreutils'
# timeout. For fencing: a server whose commits wait for an acknowledgement
# that never comes holds a plain client (and SET GLOBAL read_only) forever.
sql_root_within() {
  local seconds=$1
  shift
  [[ -r $ROOT_CNF ]] || return 1
  timeout "$seconds" "$DB_CLIENT" --defaults-extra-file="$ROOT_CNF" --socket="${SQL_SOCKET:-$SOCKET}" "$SOCKET_TLS_OFF" \
    --batch --skip-column-names --connect-timeout=2 "$@"
}

# fence_server: stops this server taking writes, in the order the issue
# gives: read-only, then close the connections so pools reconnect through the
# write Service to the new primary instead of getting read-only errors, and if
# the server still takes writes, shut it down (it restarts read-only, conf/
# start-read-only.cnf). Setting read-only takes the global read lock, which
# waits for commits in flight; a commit waiting for an acknowledgement that
# never comes (a primary cut off from its replicas) would hold it forever, so
# the wait is bounded and every session but the replicas' binlog dumps is
# closed before trying again: its client sees the connection drop, never an
# acknowledgement. The event scheduler's workers (the heartbeat, the fence
# event itself) are among them; the scheduler stops once the server is
# read-only. Succeeds when the server answers read-only.
fence_server() {
  local read_only_variable ids id
  case $FLAVOR in
    mariadb) read_only_variable=read_only ;;
    mysql) read_only_variable=super_read_only ;;
  esac
  sql_root_within 3 -e "SET SESSION lock_wait_timeout = 1; SET GLOBAL $read_only_variable = ON" >/dev/null 2>&1 || true
  ids=$(sql_root_within 3 -e "SELECT ID FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID()
      AND COMMAND NOT IN ('Binlog Dump', 'Binlog Dump GTID', 'Daemon') AND USER NOT IN ('system user', 'event_scheduler')" 2>/dev/null) || ids=""
  for id in $ids; do
    [[ $id =~ ^[0-9]+$ ]] && { sql_root_within 2 -e "KILL CONNECTION $id" >/dev/null 2>&1 || true; }
  done
  # The scheduler stops only once read-only holds: the fence event, which
  # retries every second, is the server's own way there should this agent
  # stall before the end.
  if [[ $(sql_root_within 3 -e 'SELECT @@global.read_only' 2>/dev/null) == 1 ]]; then
    sql_root_within 3 -e "SET GLOBAL event_scheduler = OFF" >/dev/null 2>&1 || true
    return 0
  fi
  sql_root_within 5 -e "SET SESSION lock_wait_timeout = 3; SET GLOBAL $read_only_variable = ON" >/dev/null 2>&1 || true
  if [[ $(sql_root_within 3 -e 'SELECT @@global.read_only' 2>/dev/null) == 1 ]]; then
    sql_root_within 3 -e "SET GLOBAL event_scheduler = OFF" >/dev/null 2>&1 || true
    return 0
  fi
  log "ERROR: the server did not turn read-only; shutting it down (it restarts read-only)"
  sql_root_within 5 -e 'SHUTDOWN' >/dev/null 2>&1 || true
  return 1
}

# ---- Failsafe: is this primary still followed? ---------------------------------
# While the API does not answer, the holder keeps its server writable as long
# as a replica still replicates from it (Patroni's failsafe mode): no replica
# can take over without writing the Lease, and one that follows this server
# is not a candidate anyway. The check runs while the server's deadline is
# close, so it must stay short whatever the peers do: a lost node or a stopped
# pod answers nothing and a frozen server accepts the connection and never
# replies. So the replica that followed last time is asked first and alone
# (the usual case: one question); when it does not follow, every other one is
# asked at once and the first that follows ends the check, so peers that do
# not answer cost one question's bound together, not one each. Every
# question, TLS handshake and query included, is bounded by coreutils'
# timeout, the whole check by a budget the caller gives.

# The ordinal that followed at the last check, asked first next time.
last_follower=""
# Each question's bound, in centiseconds: a healthy peer answers over TLS in
# well under a second even on a busy node.
readonly FOLLOWER_ASK_CS=100

# bounded_client: the SQL client under coreutils' timeout (bounded_remote's
# bound_seconds and bound_client).
bounded_client() { timeout -k 1 "$bound_seconds" "$bound_client" "$@"; }

# bounded_remote CS ORDINAL ARGS...: sql_remote to a peer as the monitor user,
# the whole call (connect, TLS, query) bounded by CS centiseconds.
bounded_remote() {
  # Locals are seen by the functions called from here (bash's dynamic scope):
  # sql_remote runs "$DB_CLIENT", which is bounded_client for this call only.
  local bound_seconds bound_client=$DB_CLIENT DB_CLIENT=bounded_client
  bound_seconds=$(printf '%s.%02d' "$(($1 / 100))" "$(($1 % 100))")
  sql_remote "$(peer_host "$2")" monitor "$SECRET_KEY_MONITOR" --connect-timeout=1 "${@:3}"
}

# follower_state CS ORDINAL: replication_state of a peer, bounded by CS.
follower_state() { replication_state bounded_remote "$1" "$2"; }

# peer_writable ORDINAL: succeeds when the peer answers within one question's
# bound (FOLLOWER_ASK_CS) that it takes writes. A lost node answers nothing:
# without the bound each candidate waited the client's 5 s connect timeout
# before it stopped listening, and the others declined while it still
# listened (a lost node took 26 s, not 18).
peer_writable() { is_writable bounded_remote "$FOLLOWER_ASK_CS" "$1"; }

# follows_me CS ORDINAL SELF_HOST: succeeds when the peer answers within CS
# and its IO thread runs with SELF_HOST as its source.
follows_me() {
  local state io source
  state=$(follower_state "$1" "$2" 2>/dev/null) || return 1
  read -r io _ _ source _ <<<"$state"
  [[ $io == Yes && $source == "$3" ]]
}

# a_follower SELF REPLICAS BUDGET_CS: succeeds as soon as one of the pods
# 0..REPLICAS-1 other than SELF answers and replicates from SELF, asking
# again until BUDGET_CS centiseconds have passed; remembers it in
# last_follower.
a_follower() {
  local self=$1 count=$2 end left o self_host first="" others=() pending
  local -A asking=()
  mono_now
  end=$((now + $3))
  self_host=$(peer_host "$self")
  if [[ $last_follower =~ ^[0-9]+$ ]] && (( last_follower != self && last_follower < count )); then
    first=$last_follower
  fi
  for (( o = 0; o < count; o++ )); do
    (( o == self )) || [[ $o == "$first" ]] || others+=("$o")
  done
  [[ -n $first || ${#others[@]} -gt 0 ]] || return 1
  while :; do
    mono_now
    left=$((end - now))
    (( left >= 20 )) || return 1
    (( left <= FOLLOWER_ASK_CS )) || left=$FOLLOWER_ASK_CS
    if [[ -n $first ]]; then
      if follows_me "$left" "$first" "$self_host"; then return 0; fi
      # It does not follow (any more): from now on it is one of the others.
      others=("$first" "${others[@]}")
      first="" last_follower=""
      continue
    fi
    # Everyone at once; each question a background job whose status is the answer.
    asking=()
    for o in "${others[@]}"; do
      follows_me "$left" "$o" "$self_host" &
      asking[$o]=$!
    done
    while (( ${#asking[@]} > 0 )); do
      pending=0
      for o in "${!asking[@]}"; do
        if kill -0 "${asking[$o]}" 2>/dev/null; then pending=1; continue; fi
        if wait "${asking[$o]}"; then
          last_follower=$o
          return 0
        fi
        unset "asking[$o]"
      done
      (( pending )) && sleep 0.05
    done
    # Every peer answered and none follows (refused, or replicating from
    # elsewhere): ask again a little later, not in a tight loop.
    mono_now
    (( end - now >= 40 )) || return 1
    sleep 0.2
  done
}
