#!/usr/bin/env bash
# The sidecar (backup image): serves hot backups over mutual TLS to pods that
# clone from this one, and keeps this pod in the role the topology ConfigMap
# gives it: the primary is promoted (safely, see promote.sh) and applies users
# and passwords (again whenever the Secret's files change); a replica follows
# the primary (configure-replication.sh), again after any restart or
# switchover, and is re-cloned when it cannot catch up or has diverged.
# It also keeps root's password in step with the Secret and writes the
# readiness verdict the readiness probe reads.
set -euo pipefail
# shellcheck source=lib.sh
source "${0%/*}/lib.sh"  # scripts run by path (bash /scripts/NAME), so no dirname process

require_password root-password
socat -b "$STREAM_BLOCK_BYTES" "OPENSSL-LISTEN:$BACKUP_PORT,reuseaddr,fork,$(stream_tls_options)" EXEC:"bash $SCRIPTS/serve-backup.sh" &
listener=$!
trap 'kill "$listener" 2>/dev/null || true; exit 0' TERM INT
log "serving backups on port $BACKUP_PORT to holders of the cluster's certificate"

# Makes ROOT_CNF hold a root password the server accepts, and the Secret's:
# when the Secret's password changed (rotation), the one that still works
# sets the new one. Root's password is per pod (not replicated), so each pod
# rotates its own. Prints the server's complaint when neither works.
sync_root_password() {
  local wanted error
  wanted=$(password root-password)
  # Ready last round means root's SQL worked then; if it stopped working since,
  # this round's verdict says so and the next round checks properly.
  [[ $verdict == ready && -f $ROOT_CNF && $(saved_root_password) == "$wanted" ]] && return 0
  if [[ -f $ROOT_CNF ]] && sql_root -e 'SELECT 1' >/dev/null 2>&1; then
    [[ $(saved_root_password) == "$wanted" ]] && return 0
    case $FLAVOR in
      mysql) sql_root -e "SET @ro = @@global.super_read_only; SET GLOBAL super_read_only = OFF; SET sql_log_bin = 0;
                          ALTER USER 'root'@'localhost' IDENTIFIED BY '$wanted'; SET GLOBAL super_read_only = @ro" ;;
      *) sql_root -e "SET sql_log_bin = 0; ALTER USER 'root'@'localhost' IDENTIFIED BY '$wanted'" ;;
    esac
    save_root_password "$wanted"
    log "root's password now follows the Secret (rotated)"
    return 0
  fi
  if error=$(sql_as root root-password -e 'SELECT 1' 2>&1 >/dev/null); then
    save_root_password "$wanted"
    return 0
  fi
  printf '%s\n' "$error"
  return 1
}

# A digest of every password file, to notice a rotation. Never logged.
secrets_digest() { cat "$SECRETS_DIR"/* | sha256sum; }

# A pipe nobody writes to: reading it with a timeout waits without a process,
# and a trapped TERM still interrupts the wait.
exec {pause_fd}<> <(:)
pause() { read -rt "$1" -u "$pause_fd" _ || true; }

applied_digest=""
last_error=""
verdict=""
while kill -0 "$listener" 2>/dev/null; do
  if error=$(sync_root_password); then
    last_error=""
    write_exporter_config
    if is_wanted_primary; then
      if bash "$SCRIPTS/promote.sh"; then
        digest=$(secrets_digest)
        if [[ $digest != "$applied_digest" ]] && bash "$SCRIPTS/ensure-users.sh"; then applied_digest=$digest; fi
      fi
    else
      applied_digest=""
      status=0
      bash "$SCRIPTS/configure-replication.sh" || status=$?
      if (( status == 3 )); then bash "$SCRIPTS/reclone.sh" || log "re-clone failed; trying again"; fi
    fi
    verdict=$(bash "$SCRIPTS/readiness-verdict.sh" 2>&1) || true
  else
    verdict="not ready: the sidecar cannot log in as root"
    if [[ $error == *"Access denied"* && $error != "$last_error" ]]; then
      # Said once, not every loop: the Secret and the server disagree on root's password.
      log "ERROR: the server refuses root's password from Secret $SECRET_NAME, key root-password: $error"
      last_error=$error
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
  rounds=1
  [[ $verdict == ready ]] && rounds=10
  seen=$(primary_ordinal)
  for (( i = 0; i < rounds; i++ )); do
    pause 0.5
    wanted_primary=$seen
    [[ -r $TOPOLOGY_DIR/primary-ordinal ]] && { read -r wanted_primary <"$TOPOLOGY_DIR/primary-ordinal" || true; }
    [[ $wanted_primary == "$seen" ]] || break
  done
done
die "the backup listener exited"
