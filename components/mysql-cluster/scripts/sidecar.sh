#!/usr/bin/env bash
# The sidecar (backup image): serves hot backups over mutual TLS to pods that
# clone from this one, runs the failover agent (failover-agent.sh), which
# decides through the cluster's Lease whether this pod is the primary, and
# brings the server along: the primary keeps the databases and the heartbeat
# (replicated to the others); a replica follows the primary the agent names
# (configure-replication.sh), again after any restart, switchover or
# failover, and is re-cloned when it cannot catch up or has diverged.
# It also keeps root's password in step with the Secret, applies the users'
# passwords to its own server with the binary log off (every pod, so no
# password is ever replicated), reloads the exporter's login, serves the
# metrics port, and writes the readiness verdict the readiness probe reads.
set -euo pipefail
# shellcheck source=lib.sh
source "${0%/*}/lib.sh"  # scripts run by path (bash $SCRIPTS/NAME), so no dirname process

mapfile -t stream_options < <(stream_socat_options)
socat "${stream_options[@]}" "OPENSSL-LISTEN:$BACKUP_PORT,reuseaddr,fork,$(stream_listen_options),$(stream_tls_options),$STREAM_KEEPALIVE" EXEC:"bash $SCRIPTS/serve-backup.sh" &
listener=$!
listeners=("$listener")
log "serving backups on port $BACKUP_PORT to holders of the cluster's certificate and stream token"
if [[ ${METRICS:-false} == true ]]; then
  # The exporter listens on the pod's loopback only; this port passes on
  # plain GET /metrics requests and refuses the rest (serve-metrics.sh).
  socat -T 30 "TCP-LISTEN:$METRICS_PORT,reuseaddr,fork,max-children=8" EXEC:"bash $SCRIPTS/serve-metrics.sh" &
  listeners+=("$!")
  log "serving metrics on port $METRICS_PORT (GET /metrics only)"
fi
# The failover agent holds or follows the cluster's Lease (failover-agent.sh).
bash "$SCRIPTS/failover-agent.sh" &
agent=$!
listeners+=("$agent")
# Binary log archiving (backupTarget store or both): one loop that works while
# the agent says this pod is the primary (archive-binlogs.sh). Not one of the
# listeners: should it exit, the round below starts it again.
archiver=""
start_archiver() {
  [[ -n ${BINLOG_ARCHIVE_MAX_AGE:-} ]] || return 0
  bash "$SCRIPTS/archive-binlogs.sh" &
  archiver=$!
}
start_archiver
# A stopping primary hands the Lease on before the pod goes: the agent gets
# the TERM, fences this server and releases the Lease, then the rest stops.
# shellcheck disable=SC2317  # run by the trap below
stop() {
  kill -TERM "$agent" 2>/dev/null || true
  wait "$agent" 2>/dev/null || true
  kill "${listeners[@]}" ${archiver:+"$archiver"} 2>/dev/null || true
  exit 0
}
trap stop TERM INT

# sync_root_password: makes ROOT_CNF hold a root password the server accepts,
# and the Secret's: when the Secret's password changed (rotation), the one
# that still works sets the new one. Root's password is per pod (not
# replicated), so each pod rotates its own. Every status is checked here (the
# caller runs this in a condition, where set -e does not act). Sets
# root_error when root cannot log in at all; returns 1 then.
root_error=""
sync_root_password() {
  local wanted="" saved=""
  root_error=""
  [[ -f $ROOT_CNF ]] && saved=$(saved_root_password)
  if ! read_password wanted "$SECRET_KEY_ROOT"; then
    # An unusable value in the Secret changes nothing: the pod keeps the password that works.
    [[ -n $saved ]] && return 0
    root_error="Secret $SECRET_NAME key $SECRET_KEY_ROOT holds no usable password (see the log)"
    return 1
  fi
  # Ready last round means root's SQL worked then; if it stopped working since,
  # this round's verdict says so and the next round checks properly.
  [[ $verdict == ready && $saved == "$wanted" ]] && return 0
  if [[ -n $saved ]] && sql_root -e 'SELECT 1' >/dev/null 2>&1; then
    [[ $saved == "$wanted" ]] && return 0
    local auth=""
    if auth=$(identified_by "$wanted") && printf "ALTER USER 'root'@'localhost' %s;\n" "$auth" | sql_root_unlogged 2>/dev/null; then
      if save_root_password "$wanted"; then
        log "root's password now follows the Secret (rotated)"
      else
        log "ERROR: root's password was changed but could not be saved in $ROOT_CNF"
      fi
    else
      # The server's message could quote the statement: it is not logged.
      complain_once "$SECRET_KEY_ROOT" "the server refused to set root's password to the value of key $SECRET_KEY_ROOT in Secret $SECRET_NAME; root keeps its old password"
    fi
    return 0
  fi
  local error
  if error=$(sql_as root "$SECRET_KEY_ROOT" -e 'SELECT 1' 2>&1 >/dev/null); then
    save_root_password "$wanted" || return 1
    return 0
  fi
  root_error=$error
  return 1
}

# What a refused root login means, for the log and the readiness message. With
# no working password saved (a new pod), the data on this pod's volume was made
# with another root password than the Secret's: volumes kept from an earlier
# deployment of this clusterName (destroy, then up), or a rotation the pod did
# not live to apply. README, "Security": "Reusing retained volumes".
root_refused_message() {
  printf '%s' "the data on this pod's volume refuses root's password from Secret $SECRET_NAME key $SECRET_KEY_ROOT: it was made with another one (volumes kept from an earlier deployment of this clusterName, or a rotation this pod missed); put the old passwords in that Secret, or delete the data volumes to start empty (README: Reusing retained volumes)"
}

# The users and their passwords, applied by each pod to its own server with
# the binary log off (ensure-users.sh), whenever the Secret or the pod's role
# changes. The digest covers every password file; it is never logged.
secrets_digest() { cat "$SECRETS_DIR"/* | sha256sum; }

# A pipe nobody writes to: reading it with a timeout waits without a process,
# and a trapped TERM still interrupts the wait.
exec {pause_fd}<> <(:)
pause() { read -rt "$1" -u "$pause_fd" _ || true; }

applied_digest=""
last_error=""
verdict=""
just_started=0
while kill -0 "${listeners[@]}" 2>/dev/null; do
  if [[ -n $archiver ]] && ! kill -0 "$archiver" 2>/dev/null; then
    exited=0; wait "$archiver" 2>/dev/null || exited=$?
    log "the binary log archiver exited ($exited); starting it again"
    start_archiver
  fi
  # A re-clone that did not finish: this container was restarted in the
  # middle of one, or its source was lost. The server stays down while the
  # marker is there (run-server.sh), so nothing else here can work until the
  # clone is done; reclone.sh is idempotent and clone-data.sh chooses a
  # source that answers. A failed attempt is tried again after a pause.
  if [[ -f $RECLONE_MARKER ]] && ! bash "$SCRIPTS/reclone.sh"; then
    log "re-clone failed; trying again in 5 s"
    printf '%(%s)T %s\n' -1 "not ready: re-cloning this replica (see the sidecar's log)" >"$READINESS_FILE.tmp" && mv "$READINESS_FILE.tmp" "$READINESS_FILE"
    pause 5
    continue
  fi
  if sync_root_password; then
    last_error=""
    if [[ $(write_exporter_config) == changed ]]; then
      # The exporter reads its login only at start or on reload: without this
      # it reports mysql_up 0 from a rotation until it restarts.
      if reload_exporter; then log "the exporter re-read its login"; else log "the exporter did not confirm re-reading its login (POST /-/reload)"; fi
    fi
    # The agent decides the role; this loop brings the server along. While a
    # failover is under way (lost, promoting, fenced) replication is left as
    # the agent set it.
    role=""
    agent_state || true
    case $agent_role in
      primary) role=primary ;;
      replica)
        role=replica
        status=0
        bash "$SCRIPTS/configure-replication.sh" || status=$?
        # A failed re-clone leaves its marker: the next round tries again (above).
        if (( status == EXIT_RECLONE )); then bash "$SCRIPTS/reclone.sh" || log "re-clone failed; trying again"; fi ;;
    esac
    if [[ -n $role ]]; then
      digest="$role $(secrets_digest)"
      if [[ $digest != "$applied_digest" ]]; then
        ensure_args=()
        [[ $role == primary ]] && ensure_args=(--schema)
        if bash "$SCRIPTS/ensure-users.sh" "${ensure_args[@]}"; then applied_digest=$digest; fi
      fi
    fi
    verdict=$(bash "$SCRIPTS/readiness-verdict.sh" 2>&1) || true
  else
    if [[ $root_error == *"Access denied"* ]]; then
      verdict="not ready: $(root_refused_message)"
      if [[ $root_error != "$last_error" ]]; then
        # Said once, not every loop: the Secret and the server disagree on root's password.
        log "ERROR: $(root_refused_message). The server said: $root_error"
        last_error=$root_error
      fi
    else
      verdict="not ready: the sidecar cannot log in as root${root_error:+: ${root_error%%$'\n'*}}"
    fi
  fi
  # Stamped with the time, for the probe to tell a fresh verdict from a stale one.
  printf '%(%s)T %s\n' -1 "$verdict" >"$READINESS_FILE.tmp" && mv "$READINESS_FILE.tmp" "$READINESS_FILE"
  # Quick rounds while the pod is not Ready (server start, replication set-up,
  # catch-up, a switchover: each second saved is a second off a bootstrap or of
  # write downtime), every 5 s once it is, which keeps an idle cluster's
  # sidecars cheap (BENCHMARKS.md); a new topology starts a round at once.
  # The wait starts no process: a sleep and a subshell every half second cost
  # an idle pod about as much CPU as the SQL of its rounds (BENCHMARKS.md).
  # While the pod is not Ready the round's 0.5 s wait is cut in ticks of
  # 0.1 s and ends at the tick that sees the server's socket appear or the
  # agent publish a new state, so a new replica sets up replication within
  # 0.1 s of either, not up to 0.5 s later; and for the few rounds after its
  # server came up (replication starting, the first catch-up) a round every
  # 0.1 s (BENCHMARKS.md, fixed cost per replica). Each tick is builtins only.
  rounds=5 tick=0.1
  [[ $verdict == ready ]] && rounds=10 tick=0.5
  if (( just_started > 0 )) && [[ $verdict != ready ]]; then just_started=$(( just_started - 1 )); rounds=1; fi
  seen="" listening=""
  [[ -r $AGENT_STATE ]] && { read -r seen <"$AGENT_STATE" || true; }
  [[ -S $SOCKET ]] && listening=yes
  for (( i = 0; i < rounds; i++ )); do
    pause "$tick"
    if [[ -z $listening && -S $SOCKET ]]; then just_started=5; break; fi
    now_state=""
    [[ -r $AGENT_STATE ]] && { read -r now_state <"$AGENT_STATE" || true; }
    [[ $now_state == "$seen" ]] || break
  done
done
die "the backup listener exited"
