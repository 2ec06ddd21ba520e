#!/usr/bin/env bash
# Runs once per connection to the backup port, after socat has checked the
# peer's certificate against the cluster's CA (see sidecar.sh). A certificate
# is not membership (the CA may be shared, setting tlsSecret): the client's
# first line must be the stream token (lib.sh stream_token), and until it is
# checked not a byte is sent. Then it streams a hot physical backup of this
# server to the connection, then an end marker file, so the receiver can tell
# a whole stream from one cut short.
set -euo pipefail
# shellcheck source=lib.sh
source "${0%/*}/lib.sh"  # scripts run by path (bash $SCRIPTS/NAME), so no dirname process

peer=${SOCAT_PEERADDR:-unknown}
expected=$(stream_token) || die "cannot check $peer's membership without Secret key $SECRET_KEY_BACKUP"
offered=""
# A member sends its token at once; a peer that says nothing is dropped. At
# most one character more than a token is read: bash's read has no size limit
# of its own, so an endless line was taken in, a byte per system call, until
# the timeout, then compared.
IFS= read -r -t 10 -n $(( ${#expected} + 1 )) offered || true
[[ -n $offered && $offered == "$expected" ]] ||
  die "refused $peer: its certificate is signed by the CA but it did not prove membership (stream token); nothing sent"
[[ -d $DATADIR ]] || die "no data directory to back up"
work=$(mktemp -d "$TMP_DIR/serve-backup.XXXXXX")
credentials=$(private_option_file backup "$SECRET_KEY_BACKUP") || die "no usable backup password"
trap 'rm -rf "$work" "$credentials"' EXIT
mkdir "$work/target" "$work/marker"
log "streaming a backup to $peer"

# The redo-log copier checks for new log every 100 ms, not every second: the
# backup ends only once it has copied the last of it, and at the default a
# clone waited up to a second for that (BENCHMARKS.md).
"$BACKUP_TOOL" --defaults-extra-file="$credentials" --backup --stream=xbstream \
  --target-dir="$work/target" --datadir="$DATADIR" --socket="$SOCKET" --parallel="$BACKUP_PARALLELISM" \
  --log-copy-interval=100 --slave-info 2>"$work/backup.log" || die "backup for $peer failed: $(tail -5 "$work/backup.log")"
date -u +%Y-%m-%dT%H:%M:%SZ >"$work/marker/$STREAM_END_MARKER"
(cd "$work/marker" && "$STREAM_TOOL" -c "$STREAM_END_MARKER")
log "backup streamed to $peer"
