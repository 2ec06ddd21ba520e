#!/usr/bin/env bash
# Continuous binary log archiving (issue 17; backupTarget store or both): one
# loop, started by the sidecar, that works only while the failover agent says
# this pod is the primary. It uploads, encrypted (store-lib.sh), every closed
# binary log the archive does not cover yet, and after each one an index entry
# of its own (archive-lib.sh: file, GTID position before and after it, first
# GTID, first and last event time, size), written after the data, so a cut
# upload leaves no entry. It closes the open log (FLUSH BINARY LOGS) once its
# oldest event is half of BINLOG_ARCHIVE_MAX_AGE old, so no acknowledged
# transaction older than that is only on the cluster.
#
# Where the archive ends (its frontier) is read from the newest index entry
# whenever this pod becomes the primary: a new primary after a switchover or
# failover uploads the first of its own logs that goes past it (with
# log_slave_updates its logs hold what it replicated), and a file that does
# not follow on from it is a GAP: one log line naming both positions, `gap=`
# in its entry, and the metric mysql_binlog_archive_gap 1. A crash at any line
# is harmless: what is archived is decided from the index, and a file is
# uploaded again under the same name.
#
# While archiving, the server's own expiry is off and this loop purges only
# logs it has archived and that are BINLOG_EXPIRE_SECONDS old: an unarchived
# log is never purged. A failing store is logged once per failure, retried
# every round, and the archive catches up when it answers. The metrics the
# sidecar's metrics port adds to the exporter's are written to ARCHIVE_METRICS.
set -euo pipefail
# shellcheck source=lib.sh
source "${0%/*}/lib.sh"  # scripts run by path (bash $SCRIPTS/NAME), so no dirname process
# shellcheck source=store-lib.sh
source "${0%/*}/store-lib.sh"
# shellcheck source=archive-lib.sh
source "${0%/*}/archive-lib.sh"

[[ ${BINLOG_ARCHIVE_MAX_AGE:-} =~ ^[1-9][0-9]*$ ]] ||
  die "BINLOG_ARCHIVE_MAX_AGE \"${BINLOG_ARCHIVE_MAX_AGE:-}\" is not a positive number (setting binlogArchiveMaxAgeSeconds)"
readonly MAX_AGE=${BINLOG_ARCHIVE_MAX_AGE:-}  # checked just above; only set where archiving is on
readonly FLUSH_AGE=$(( MAX_AGE / 2 ))
# A round every tenth of the bound, 1 to 10 s: the flush is late by at most a round.
ROUND=$(( MAX_AGE / 10 ))
(( ROUND >= 1 )) || ROUND=1
(( ROUND <= 10 )) || ROUND=10
readonly ROUND

# A pipe nobody writes to: the wait starts no process and a TERM ends it.
exec {pause_fd}<> <(:)
pause() { read -rt "$1" -u "$pause_fd" _ || true; }
trap 'exit 0' TERM INT

store_ready=false     # store_setup and store_check passed
frontier_known=false  # frontier read from the index since this pod became the primary
frontier=""           # where the archive ends: the last entry's position
was_primary=false
gap=0                 # a gap was found (sticky for this process: the archive keeps it)
last_success=0        # when a file was last archived (epoch s)
oldest_unarchived=0   # age of the oldest event not archived (s), 0 when none
gap_logged=""         # the file whose gap was logged
failure=""            # the failure last logged: said once until it changes or heals
bin_dir=""            # where the server writes its binary logs
files=() sizes=()     # SHOW BINARY LOGS, oldest first; the last one is open
declare -A head_of=() archived=()
readonly ERR_FILE=$TMP_DIR/archive-binlogs.err

# say: log, also from a function that try runs (its stderr is kept aside for the failure's line).
exec {log_fd}>&2
say() { log "$@" 2>&"$log_fd"; }

# fail WHAT [DETAIL]: this round failed; logged once per failure (the same WHAT
# with another DETAIL, as a dead store's errors vary, is the same failure).
fail() {
  if [[ $1 != "$failure" ]]; then say "ERROR: $1${2:+: $2}; retrying every ${ROUND}s"; fi
  failure=$1
  return 1
}
healed() {
  [[ -z $failure ]] || say "archiving works again"
  failure=""
}
# try WHAT COMMAND...: runs COMMAND in this shell (store_setup exports rclone's
# settings), its stderr kept aside; on failure, fail with WHAT and its last line.
try() {
  local what=$1 e
  shift
  "$@" 2>"$ERR_FILE" && return 0
  e=$(<"$ERR_FILE")
  e=${e%$'\n'}
  fail "$what" "${e##*$'\n'}"
}

write_metrics() {
  local primary=0
  [[ $was_primary == true ]] && primary=1
  {
    printf '# HELP mysql_binlog_archive_primary Whether this pod archives binary logs (it is the primary).\n'
    printf '# TYPE mysql_binlog_archive_primary gauge\nmysql_binlog_archive_primary %s\n' "$primary"
    printf '# HELP mysql_binlog_archive_gap 1 when a file archived by this pod did not follow on from the archive (a GTID gap).\n'
    printf '# TYPE mysql_binlog_archive_gap gauge\nmysql_binlog_archive_gap %s\n' "$gap"
    printf '# HELP mysql_binlog_archive_last_success_timestamp_seconds When this pod last archived a binary log.\n'
    printf '# TYPE mysql_binlog_archive_last_success_timestamp_seconds gauge\n'
    printf 'mysql_binlog_archive_last_success_timestamp_seconds %s\n' "$last_success"
    printf '# HELP mysql_binlog_archive_oldest_unarchived_seconds Age of the oldest transaction not in the archive (0: none).\n'
    printf '# TYPE mysql_binlog_archive_oldest_unarchived_seconds gauge\n'
    printf 'mysql_binlog_archive_oldest_unarchived_seconds %s\n' "$oldest_unarchived"
  } >"$ARCHIVE_METRICS.tmp" && mv "$ARCHIVE_METRICS.tmp" "$ARCHIVE_METRICS"
}

# index_names: the index's entry names, oldest first; fails when the store does
# not answer (an absent directory is an empty index, not a failure).
index_names() {
  local out
  out=$(store_list_checked "$STORE_BINLOG_INDEX") || return 1
  [[ -z $out ]] || printf '%s\n' "$out" | sort
}

# read_frontier: sets frontier from the newest index entry ("" for an empty index).
read_frontier() {
  local names newest entry
  names=$(index_names) || return 1
  newest=${names##*$'\n'}
  if [[ -z $newest ]]; then
    frontier=""
    say "the archive is empty: archiving from this server's oldest binary log"
    return 0
  fi
  entry=$(store_get "$STORE_BINLOG_INDEX/$newest") || { echo "reading index entry $newest failed" >&2; return 1; }
  frontier=$(archive_entry_value "$entry" last) || { echo "index entry $newest has no last= line" >&2; return 1; }
  say "the archive ends at ${frontier:-no GTID} (index entry $newest)"
}

# file_head FILE: sets head_of[FILE] to "<before|-> <first event pos|-> <first GTID|-> <created>".
file_head() {
  local name=$1 rows head created
  [[ $name =~ ^[A-Za-z0-9._-]+$ ]] || { echo "unexpected binary log name \"$name\"" >&2; return 1; }
  rows=$(sql_root -e "SHOW BINLOG EVENTS IN '$name' LIMIT 12") || return 1
  head=$(archive_head <<<"$rows")
  created=$(archive_event_time "$bin_dir/$name" 4) || { echo "cannot read $bin_dir/$name" >&2; return 1; }
  head_of[$name]="$head $created"
}

# first_event_time FILE: when FILE's first transaction was written (its creation when it has none).
first_event_time() {
  local first_pos created
  read -r _ first_pos _ created <<<"${head_of[$1]}"
  if [[ $first_pos == - ]]; then printf '%s\n' "$created"; else archive_event_time "$bin_dir/$1" "$first_pos"; fi
}

# archive_file I: uploads files[I] (closed; files[I+1] follows it) and then its index entry.
archive_file() {
  local file_name=${files[$1]} next=${files[$1 + 1]} object stamp gaps entry e
  local file_before file_end file_first_gtid file_first_time file_last_time file_bytes file_gap="" file_server_id
  local created
  read -r file_before _ file_first_gtid created <<<"${head_of[$file_name]}"
  read -r file_end _ _ file_last_time <<<"${head_of[$next]}"
  [[ $file_before == - ]] && file_before=""
  [[ $file_end == - ]] && file_end=""
  file_before=$(archive_norm "$file_before") || return 1
  file_end=$(archive_norm "$file_end") || return 1
  if [[ -n $frontier ]] && archive_covered "$file_end" "$frontier"; then
    archived[$file_name]=1 # everything in it is archived already (by another pod, or before a crash)
    return 0
  fi
  file_first_time=$(first_event_time "$file_name") || return 1
  file_bytes=${sizes[$1]}
  file_server_id=$(server_id)
  object="$file_server_id-$created-$file_name"
  if [[ -n $frontier ]]; then
    gaps=$(archive_gaps "$file_before" "$file_end" "$frontier" "${file_first_gtid#-}") || return 1
    if [[ -n $gaps ]]; then
      file_gap=${gaps//$'\n'/; }
      # Said once per file, not on every retry of its upload.
      [[ $gap_logged == "$object" ]] || say "GAP: $file_gap; the transactions between are in no archived file"
      gap=1 gap_logged=$object
    fi
  fi
  store_put "$STORE_BINLOG_DATA/$object" <"$bin_dir/$file_name" 2>"$ERR_FILE.put" || {
    e=$(<"$ERR_FILE.put")
    printf 'uploading %s failed: %s\n' "$file_name" "${e##*$'\n'}" >&2
    return 1
  }
  entry=$(archive_entry "$file_name" "$object" "$file_server_id" "$file_before" "$file_end" "$file_first_gtid" \
    "$file_first_time" "$file_last_time" "$file_bytes" "$file_gap")
  stamp=${EPOCHREALTIME/./}
  printf '%s\n' "$entry" | store_put "$STORE_BINLOG_INDEX/$stamp-$object" 2>"$ERR_FILE.put" || {
    e=$(<"$ERR_FILE.put")
    printf 'writing the index entry of %s failed: %s\n' "$file_name" "${e##*$'\n'}" >&2
    return 1
  }
  frontier=$(archive_merge "$frontier" "$file_end")
  archived[$file_name]=1
  last_success=$EPOCHSECONDS
  say "archived $file_name: $file_bytes bytes up to ${file_end:-no GTID}, written $(TZ=UTC printf '%(%H:%M:%S)T' "$file_first_time")-$(TZ=UTC printf '%(%H:%M:%S)T' "$file_last_time")"
}

# set_expiry SECONDS: the server's own expiry (off while this pod archives, server.cnf's after).
set_expiry() {
  local now
  now=$(sql_root -e 'SELECT @@global.binlog_expire_logs_seconds') || return 1
  [[ $now == "$1" ]] || sql_root -e "SET GLOBAL binlog_expire_logs_seconds = $1"
}

# purge_archived: PURGE BINARY LOGS TO the first file that is not both archived and BINLOG_EXPIRE_SECONDS old.
purge_archived() {
  local k=0 closed_at
  while (( k + 1 < ${#files[@]} )) && [[ -n ${archived[${files[k]}]:-} ]]; do
    closed_at=$(archive_event_time "$bin_dir/${files[k + 1]}" 4) || break
    (( EPOCHSECONDS - closed_at >= BINLOG_EXPIRE_SECONDS )) || break
    k=$(( k + 1 ))
  done
  (( k > 0 )) || return 0
  sql_root -e "PURGE BINARY LOGS TO '${files[k]}'" &&
    say "purged the binary logs before ${files[k]} (archived, older than ${BINLOG_EXPIRE_SECONDS}s)"
}

# oldest_age: the age of the oldest event in the first file not archived (0 when it holds none).
oldest_age() {
  local f first_pos t
  for f in "${files[@]}"; do
    [[ -n ${archived[$f]:-} ]] && continue
    read -r _ first_pos _ _ <<<"${head_of[$f]:-- - - -}"
    if [[ $f == "${files[-1]}" && $first_pos == - ]]; then echo 0; return 0; fi
    t=$(first_event_time "$f" 2>/dev/null) || t=$EPOCHSECONDS
    echo $(( EPOCHSECONDS - t ))
    return 0
  done
  echo 0
}

# round: one pass as the primary. Returns 2 when it flushed (the next round starts at once).
round() {
  local rows name size i n f open first_pos
  if [[ $store_ready != true ]]; then
    try "the object store is not usable" store_setup "${STORE_PREFIX:-}" || return 1
    try "the object store is not usable" store_check || return 1
    store_ready=true
  fi
  if [[ $frontier_known != true ]]; then
    try "cannot read where the archive ends" read_frontier || return 1
    frontier_known=true
  fi
  try "cannot turn the server's binary log expiry off" set_expiry 0 || return 1
  if [[ -z $bin_dir ]]; then
    bin_dir=$(sql_root -e 'SELECT @@global.log_bin_basename' 2>"$ERR_FILE") || { fail "cannot read log_bin_basename"; return 1; }
    bin_dir=${bin_dir%/*}
  fi
  rows=$(sql_root -e 'SHOW BINARY LOGS' 2>"$ERR_FILE") || { fail "SHOW BINARY LOGS failed"; return 1; }
  files=() sizes=()
  while read -r name size _; do [[ -n $name ]] && files+=("$name") sizes+=("$size"); done <<<"$rows"
  n=${#files[@]}
  (( n > 0 )) || return 0
  open=${files[n - 1]}
  for f in "${files[@]}"; do
    # Closed files do not change: their heads are read once. The open one's first event may be new.
    [[ -n ${archived[$f]:-} ]] && continue
    [[ -n ${head_of[$f]:-} && $f != "$open" ]] && continue
    try "reading the head of $f" file_head "$f" || return 1
  done
  for (( i = 0; i + 1 < n; i++ )); do
    [[ -n ${archived[${files[i]}]:-} ]] && continue
    try "archiving ${files[i]}" archive_file "$i" || { oldest_unarchived=$(oldest_age); return 1; }
  done
  healed
  oldest_unarchived=$(oldest_age)
  purge_archived 2>"$ERR_FILE" || say "purging archived binary logs failed; trying again next round"
  read -r _ first_pos _ _ <<<"${head_of[$open]}"
  # Skipped when nothing was written since the last flush: the open log holds no transaction.
  if [[ $first_pos != - ]] && (( oldest_unarchived >= FLUSH_AGE )); then
    try "FLUSH BINARY LOGS failed" sql_root -e 'FLUSH BINARY LOGS' || return 1
    return 2
  fi
  return 0
}

say "archiving binary logs to the object store while this pod is the primary (bound ${MAX_AGE}s, a flush at ${FLUSH_AGE}s)"
while :; do
  status=0
  if is_wanted_primary; then
    if [[ $was_primary != true ]]; then
      say "this pod is the primary: archiving"
      was_primary=true frontier_known=false
      # A re-clone while this pod was a replica reuses the files' names with
      # other contents: no head read before counts.
      archived=() head_of=() bin_dir=""
    fi
    round || status=$?
  elif [[ $was_primary == true ]]; then
    say "no longer the primary: archiving stops here"
    was_primary=false oldest_unarchived=0 failure=""
    set_expiry "$BINLOG_EXPIRE_SECONDS" 2>"$ERR_FILE" ||
      say "could not put the server's binary log expiry back; its next start does"
  fi
  write_metrics || say "could not write $ARCHIVE_METRICS"
  (( status == 2 )) || pause "$ROUND"
done
