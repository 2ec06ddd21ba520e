# shellcheck shell=bash
# The pieces of binary log archiving (issue 17, archive-binlogs.sh), sourced
# after lib.sh and store-lib.sh: GTID positions as the binary log states them,
# whether one position covers another, the gap between the archive and the
# next file, the index entry, and what SHOW BINLOG EVENTS says about a file's
# head. Plain bash only: the mysql flavor's backup image has no awk or sed.
#
# A position is a GTID list as the server prints it: MariaDB's "0-101-5,5-101-1"
# (domain-server-sequence; a Gtid_list event may name a domain once per server,
# and the highest sequence is the domain's position) or MySQL's
# "uuid:1-5,uuid2:1-9" (per source uuid, the end of its last interval). A
# "key" below is a MariaDB domain or a MySQL source uuid.

# The archive's layout under the vault (contract.sh STORE_BINLOG_DATA, STORE_BINLOG_INDEX):
# a file's bytes are STORE_BINLOG_DATA/<object>, its index entry (written after
# the data, so a cut upload leaves none) STORE_BINLOG_INDEX/<microseconds>-<object>.

# archive_parse POSITION ARRAY: fills the associative array named ARRAY with
# key -> sequence and ARRAY_text (the caller's, also associative) with key ->
# the item as printed. Fails, naming it, on an item of neither form.
# shellcheck disable=SC2004  # the arrays are associative: their keys are strings, not arithmetic
archive_parse() {
  local list=$1 item key seq rest
  local -n _seqs=$2 _texts=$2_text
  _seqs=() _texts=()
  list=${list//[\[\] ]/}
  local -a items=()
  IFS=, read -ra items <<<"$list"
  for item in "${items[@]}"; do
    [[ -n $item ]] || continue
    if [[ $item =~ ^([0-9]+)-[0-9]+-([0-9]+)$ ]]; then
      key=${BASH_REMATCH[1]} seq=${BASH_REMATCH[2]}
    elif [[ $item =~ ^([0-9a-fA-F-]{36}):([0-9:-]+)$ ]]; then
      key=${BASH_REMATCH[1]} rest=${BASH_REMATCH[2]}
      seq=${rest##*[:-]}
    else
      echo "archive: \"$item\" is not a GTID" >&2
      return 1
    fi
    if [[ -z ${_seqs[$key]:-} ]] || (( seq > _seqs[$key] )); then
      _seqs[$key]=$seq
      _texts[$key]=$item
    fi
  done
}

# archive_norm POSITION: the position with one item per key (its highest), keys in order.
archive_norm() {
  local -A n=() n_text=()
  archive_parse "$1" n || return 1
  local key out=""
  for key in "${!n[@]}"; do out+="${n_text[$key]}"$'\n'; done
  [[ -n $out ]] || { echo; return 0; }
  local -a sorted=()
  mapfile -t sorted < <(printf '%s' "$out" | sort)
  local IFS=,
  printf '%s\n' "${sorted[*]}"
}

# archive_covered POSITION FRONTIER: every key of POSITION is at or below FRONTIER's.
archive_covered() {
  # shellcheck disable=SC2034  # the *_text arrays are archive_parse's second output
  local -A p=() p_text=() f=() f_text=()
  archive_parse "$1" p || return 1
  archive_parse "$2" f || return 1
  local key
  for key in "${!p[@]}"; do
    [[ -n ${f[$key]:-} ]] && (( p[$key] <= f[$key] )) || return 1
  done
}

# archive_merge A B: per key, the higher of the two.
archive_merge() {
  local -A a=() a_text=() b=() b_text=()
  archive_parse "$1" a || return 1
  archive_parse "$2" b || return 1
  local key out=""
  for key in "${!b[@]}"; do
    if [[ -z ${a[$key]:-} ]] || (( b[$key] > a[$key] )); then a[$key]=${b[$key]} a_text[$key]=${b_text[$key]}; fi
  done
  for key in "${!a[@]}"; do out+="${a_text[$key]},"; done
  archive_norm "${out%,}"
}

# archive_gaps BEFORE END FRONTIER [FIRST]: one line per key where the file
# that starts at BEFORE (its Gtid_list / Previous_gtids) and ends at END does
# not follow on directly from FRONTIER, the archive's end: its first
# transaction of the key is not the one after the archive's last. A key
# BEFORE lacks starts at the file's first GTID FIRST when that is of the key
# (a replica cloned with mariadb-backup starts its binary log with an empty
# Gtid_list, its first event being the one after the clone's position);
# otherwise, when the file holds the key past the archive's end, where it
# starts is unknown and it counts as a gap. Nothing for an empty FRONTIER (the
# first file ever archived) or a key new to the archive.
archive_gaps() {
  # shellcheck disable=SC2034  # the *_text arrays are archive_parse's second output
  local -A b=() b_text=() e=() e_text=() f=() f_text=() g=() g_text=()
  archive_parse "$1" b || return 1
  archive_parse "$2" e || return 1
  archive_parse "$3" f || return 1
  archive_parse "${4:-}" g || return 1
  local key
  for key in "${!f[@]}"; do
    if [[ -n ${b[$key]:-} ]]; then
      (( b[$key] > f[$key] )) &&
        printf 'the archive ends at %s but the next file starts after %s\n' "${f_text[$key]}" "${b_text[$key]}"
    elif [[ -n ${g[$key]:-} ]]; then
      (( g[$key] - 1 > f[$key] )) &&
        printf 'the archive ends at %s but the next file starts at %s\n' "${f_text[$key]}" "${g_text[$key]}"
    elif [[ -n ${e[$key]:-} ]] && (( e[$key] > f[$key] )); then
      printf 'the archive ends at %s but the next file holds that domain from an unknown start\n' "${f_text[$key]}"
    fi
  done
  return 0
}

# archive_head: reads SHOW BINLOG EVENTS rows of one file's head (tab-separated
# Log_name Pos Event_type Server_id End_log_pos Info) on stdin; prints
# "<position before the file> <position of its first GTID event or -> <that GTID or ->".
archive_head() {
  local _log pos type _server _end info before="" first_pos=- first_gtid=- word
  while IFS=$'\t' read -r _log pos type _server _end info; do
    case $type in
      Gtid_list|Previous_gtids)
        # MySQL prints a set of several sources with ",\n" between them, which
        # the client's batch mode escapes as a literal \n.
        if [[ -z $before ]]; then before=${info//\\n/}; before=${before//[\[\] ]/}; fi ;;
      Gtid)
        if [[ $first_pos == - ]]; then
          first_pos=$pos
          # MariaDB: "BEGIN GTID 0-101-5", "GTID 0-101-1", with " cid=N" after a
          # group commit (or " START ALTER ..."): the word shaped as a GTID, not
          # the last one. MySQL: "SET @@SESSION.GTID_NEXT= 'uuid:6'".
          for word in $info; do
            word=${word//\'/}
            if [[ $word =~ ^[0-9]+-[0-9]+-[0-9]+$ || $word =~ ^[0-9a-fA-F-]+:[0-9]+$ ]]; then
              first_gtid=$word
              break
            fi
          done
        fi ;;
    esac
  done
  printf '%s %s %s\n' "${before:--}" "$first_pos" "$first_gtid"
}

# archive_event_time FILE POSITION: the UTC epoch second an event was written
# (the first 4 bytes of every binary log event header, little-endian), by od.
archive_event_time() {
  local t
  t=$(od -An -tu4 -j "$2" -N4 "$1") || return 1
  t=${t//[[:space:]]/}
  [[ $t =~ ^[0-9]+$ ]] || return 1
  printf '%s\n' "$t"
}

# archive_entry FILE OBJECT SERVER_ID BEFORE LAST FIRST_GTID FIRST_TIME LAST_TIME BYTES [GAP]:
# the index entry of one archived file, key=value lines; times as UTC epoch
# seconds and ISO 8601. BEFORE is the position before its first transaction,
# LAST the position after its last (GTID lists, one item per domain or uuid).
archive_entry() {
  printf 'file=%s\nobject=%s\nserver_id=%s\nbefore=%s\nlast=%s\nfirst_gtid=%s\n' "$1" "$2" "$3" "$4" "$5" "$6"
  printf 'first_time=%s\nlast_time=%s\n' "$7" "$8"
  TZ=UTC printf 'first_utc=%(%Y-%m-%dT%H:%M:%SZ)T\nlast_utc=%(%Y-%m-%dT%H:%M:%SZ)T\n' "$7" "$8"
  printf 'bytes=%s\n' "$9"
  [[ -z ${10:-} ]] || printf 'gap=%s\n' "${10}"
}

# archive_entry_value TEXT KEY: the value of KEY= in an index entry.
archive_entry_value() {
  local line
  while IFS= read -r line; do
    [[ $line == "$2="* ]] && { printf '%s\n' "${line#*=}"; return 0; }
  done <<<"$1"
  return 1
}
