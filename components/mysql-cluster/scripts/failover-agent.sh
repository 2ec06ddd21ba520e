#!/usr/bin/env bash
# The failover agent (started by sidecar.sh, in the sidecar container, the
# only one holding the pod's API token). The cluster's one source of truth on
# who may take writes is a coordination.k8s.io Lease the component creates;
# this agent is how each pod takes part:
# - the holder renews it, keeps its server's dead man's switch ahead
#   (failover-lib.sh), and hands it over when `pulumi up` asks for another
#   primary (setting primaryOrdinal) or when its pod is stopped;
# - the holder that cannot renew in time fences its server (read-only, then
#   the clients' connections closed) unless a replica still follows it
#   (the API is in trouble, not the primary: Patroni's failsafe mode);
# - a replica that sees the record unchanged for a whole lease duration on its
#   own clock, and has lost the holder too, stops listening to it; once every
#   other replica answers and has done the same, the most advanced of them
#   takes the Lease by compare-and-swap, waits out the old holder's fence,
#   applies what it received, removes the old holder from the write Service
#   and opens for writes.
# It publishes its conclusion in AGENT_STATE for the sidecar loop. The
# README's "Failover" section gives the reasoning and every timing.
set -euo pipefail
# shellcheck source=lib.sh
source "${0%/*}/lib.sh"
# An API call that takes longer than this is a failed one: a round must stay
# well inside the fence deadline (FENCE_AFTER_CS) even when the API server
# accepts connections and never answers.
API_TIMEOUT=2
# shellcheck source=k8s-api.sh
source "${0%/*}/k8s-api.sh"
# shellcheck source=failover-lib.sh
source "${0%/*}/failover-lib.sh"

if ! [[ $LEASE_SECONDS =~ ^[0-9]+$ ]] || (( LEASE_SECONDS < 5 )); then
  die "LEASE_SECONDS \"$LEASE_SECONDS\" is not a whole number of seconds >= 5 (setting failoverLeaseSeconds)"
fi
readonly LEASE_CS=$((LEASE_SECONDS * 100))
# The holder renews five times per lease; the others read it every second,
# except while a switchover is pending: then they read it every tenth of a
# second, so the target opens almost as soon as the holder hands over and the
# other replicas follow it at once (the writes pause from the holder's fence
# until the target opens and, with 3 pods or more, a replica acknowledges
# its first commit; a second's poll was half of the planned switchover's
# pause), for at most TARGET_POLL_CS (a request the holder cannot fulfil must
# not have the API read ten times a second by every pod).
readonly RENEW_CS=$((LEASE_CS / 5)) POLL_SECONDS=1 TARGET_POLL_SECONDS=0.1 TARGET_POLL_CS=3000
# The holder's server fences itself this long after its last renewal was
# sent, so it is read-only (the event runs every second) before any other
# pod can have seen that renewal unchanged for LEASE_CS.
readonly FENCE_AFTER_CS=$((LEASE_CS * 6 / 10))
# A new holder that took an expired lease waits this long before opening:
# the old holder's last failsafe extension ran out at least this long before.
readonly TAKEOVER_MARGIN_CS=200
readonly STS_PATH="/apis/apps/v1/namespaces/$POD_NAMESPACE/statefulsets/$STS_NAME"

me=$POD_NAME
my_ordinal=$(ordinal)
role=replica          # what this pod is now: replica, lost, promoting, primary, fenced
term=0                # leaseTransitions as last read
holder="" rv="" seen_rv="" seen_at=0 api_ok=0
last_renew_sent=0     # when the last successful renewal was sent (monotonic)
takeover_at=0 stopping=0 replicas=""

# A pipe nobody writes to: read -t on it waits without a process, and a
# trapped TERM interrupts it.
exec {pause_fd}<> <(:)
pause() { read -rt "$1" -u "$pause_fd" _ || true; }

ordinal_of() { [[ $1 =~ -([0-9]+)$ ]] && printf '%s' "${BASH_REMATCH[1]}"; }

# read_lease: GET the Lease; sets holder, rv, term, request, done_request, previous.
read_lease() {
  lease_get "$LEASE_NAME" || return 1
  rv=$(json_string resourceVersion) || return 1
  holder=$(json_string holderIdentity) || holder=""
  term=$(json_number leaseTransitions) || term=0
  request=$(json_annotation "$REQUEST_ANNOTATION") || request=""
  done_request=$(json_annotation "$DONE_ANNOTATION") || done_request=""
  previous=$(json_annotation "$PREVIOUS_ANNOTATION") || previous=""
}

# patch_lease SPEC_JSON [ANNOTATIONS_JSON]: every write of ours is
# compare-and-swap on the resourceVersion read last (k8s-api.sh lease_patch).
patch_lease() {
  lease_patch "$LEASE_NAME" "$rv" "$@" || return 1
  rv=$lease_resource_version
  seen_rv=$rv
}

# The StatefulSet's replicas: who must answer before anyone takes over.
read_replicas() {
  api_request GET "$STS_PATH" </dev/null || return 1
  local n
  n=$(json_number replicas) || return 1
  [[ $n =~ ^[0-9]+$ ]] && replicas=$n
}

label_pod() { # label_pod POD VALUE: sets this cluster's role label on a pod; a gone pod counts as done
  pod_label "$1" "$ROLE_LABEL" "$2" && return 0
  [[ $api_status == 404 ]]
}

# past_replicas POD: POD's ordinal is at or past the StatefulSet's replicas
# as read last: a scale-down is removing it (or has), and the Role, which
# names the pods 0..replicas-1 (builders/failover.ts), no longer lets anyone
# label it.
past_replicas() {
  local o
  o=$(ordinal_of "$1") && [[ $replicas =~ ^[0-9]+$ ]] && (( o >= replicas ))
}

# refused_past_replicas POD: the last label_pod of POD was refused (403)
# because a scale-down left POD out of the Role: replicas is read again, as a
# replica reads it only when it takes over.
refused_past_replicas() {
  [[ $api_status == 403 ]] && read_replicas && past_replicas "$1"
}

publish() {
  local primary=none
  [[ -n $holder ]] && primary=$(ordinal_of "$holder")
  publish_state "$role" "${primary:-none}" "$term"
}

# ---- The holder --------------------------------------------------------------

# renew: extends the Lease and, once that is recorded, the server's deadline.
renew() {
  local sent=$now
  patch_lease "{\"holderIdentity\":\"$me\",\"renewTime\":\"$(micro_time)\"}" || return 1
  last_renew_sent=$sent
  extend_deadline "$sent"
}

# deadline_after SENT: the seconds left until FENCE_AFTER_CS after SENT, as
# "S.CC" ("never" with failover off: the primary never fences itself).
deadline_after() {
  [[ $FAILOVER == true ]] || { printf never; return 0; }
  mono_now
  local left_cs=$((FENCE_AFTER_CS - (now - $1)))
  (( left_cs > 0 )) || left_cs=0
  printf '%s.%02d' "$((left_cs / 100))" "$((left_cs % 100))"
}

# extend_deadline SENT: the server fences itself FENCE_AFTER_CS after SENT.
extend_deadline() {
  [[ $role == primary ]] || return 0
  set_fence_deadline "$(deadline_after "$1")" || log "could not move the fence deadline"
}

# still_followed: whether a replica still follows this primary while the API
# does not answer (failover-lib.sh a_follower: the last follower asked first,
# each question bounded). The check must end well before the deadline the
# server fences itself at (FENCE_AFTER_CS after the later of the last renewal
# and the last failsafe extension, failsafe_from): 0.5 s of margin for the
# extension's own write, and at most 3 s in all, so a round stays short. With
# the API blackholed a round spends API_TIMEOUT on the read and POLL_SECONDS
# between rounds, which leaves about 2 s of a 10 s lease's 6 s: one question
# to the last follower and one to all the others at once.
failsafe_from=0 failsafe_by=""
still_followed() {
  local from=$last_renew_sent budget
  (( failsafe_from > from )) && from=$failsafe_from
  mono_now
  budget=$((from + FENCE_AFTER_CS - 50 - now))
  (( budget <= 300 )) || budget=300
  (( budget > 0 )) && a_follower "$my_ordinal" "${replicas:-0}" "$budget"
}

# failsafe: the holder could not reach the API (a read or a renewal went
# unanswered). While a replica still follows, the fence deadline moves on;
# once none does and the deadline is near, the server is fenced.
failsafe() {
  mono_now
  [[ $role == primary && $FAILOVER == true ]] && (( now - last_renew_sent >= RENEW_CS )) || return 0
  # A healthy replica that follows is found first and fast (the one that did
  # last time); the extension counts from before the question, so it never
  # outlasts what the answer proves.
  local asked=$now
  if still_followed; then
    # Said once per outage, and again when another replica is the follower.
    if (( failsafe_from <= last_renew_sent )) || [[ $last_follower != "$failsafe_by" ]]; then
      log "the API does not answer (${api_status:-no status}); pod $last_follower follows this one: staying primary (failsafe)"
    fi
    failsafe_from=$asked failsafe_by=$last_follower
    extend_deadline "$asked"
  else
    log "the API does not answer and no replica was found following this pod within $(( (asked - last_renew_sent) / 100 )) s of the last renewal"
    mono_now
    if (( now - last_renew_sent >= FENCE_AFTER_CS - 100 )); then
      fence "could not renew the Lease for $(( (now - last_renew_sent) / 100 )) s and no replica follows this pod"
    fi
  fi
}

# strict_semi_sync: once a replica has connected to this primary, a commit
# waits for one without limit, also while none is connected (server.cnf has
# no timeout with failover on): cut off from every replica, this primary
# acknowledges nothing a promoted replica would lack. Until the first replica
# connects (a new cluster, a first replica still cloning, the survivor of a
# two-pod cluster) it takes writes alone; a one-pod cluster always does.
# strict_term is the term it was last set in: a server that restarts under
# the same holder (a crash, the fence's shutdown) comes back with the
# configured OFF, and no replica is connected yet, so become_primary sets it
# again before opening (else commits were acknowledged by this server alone
# until a replica reconnected, up to MASTER_CONNECT_RETRY later).
strict="" strict_from_start=0 strict_term=""
strict_semi_sync() {
  [[ $FAILOVER == true && $role == primary ]] || return 0
  local want=OFF clients
  if (( ${replicas:-1} > 1 )); then
    if [[ $strict == ON ]] || (( strict_from_start )); then want=ON; elif clients=$(semi_sync_clients) && (( clients > 0 )); then want=ON; fi
  fi
  [[ $want == "$strict" ]] && return 0
  set_wait_without_replicas "$want" || return 0
  strict=$want
  if [[ $want == ON ]]; then strict_term=$term; else strict_term=""; fi
  if [[ $want == ON ]]; then log "a replica follows: commits now wait for one, also while none is connected"; fi
}

# event REASON MESSAGE [TYPE]: a Kubernetes Event on the Lease, for
# `kubectl get events` (best effort: the API may be the trouble).
event() { event_create Lease "$LEASE_NAME" "$1" "$me: $2" "${3:-Normal}" >/dev/null 2>&1 || true; }

# become_replica: this server follows another from now on. A primary's
# "wait for a replica even with none connected" must go: MariaDB's
# semi-synchronous master waits on every commit written to the binary log,
# the ones its own replication threads apply too (log_slave_updates), so a
# demoted server would stop applying at its first transaction (measured:
# the applier waits forever, "Waiting for room in worker thread event queue").
become_replica() {
  role=replica strict="" strict_from_start=0 strict_term=""
  set_wait_without_replicas OFF >/dev/null 2>&1 || log "could not stop waiting for replicas' acknowledgements"
}

# fence: this pod may no longer take writes. The server first, each step
# bounded (the deadline moved to now, so the fence event takes over should
# the agent stall; then read-only and the clients' connections closed), and
# only then the Event: the API may be what is gone, and a call to it waits
# API_TIMEOUT (measured before: 53 s to fence with the Event first).
# A handover passes --no-event and posts its own once the Lease is passed on:
# the writes pause from the fence until the target opens, and an API call
# before the handover lengthened that pause by its round trip.
fence() {
  log "fencing this server: $1"
  sql_root_within 3 -e "SET sql_log_bin = 0; REPLACE INTO cluster_meta.fence (id, deadline) VALUES (1, UTC_TIMESTAMP(6))" >/dev/null 2>&1 || true
  fence_server || true
  role=fenced
  publish
  [[ ${2:-} == --no-event ]] || event Fenced "$1" Warning
}

# renewed_recently: the last renewal the API recorded leaves this server's
# deadline at least a second ahead. A holder opens its server only then: one
# whose renewals failed until its deadline ran out (its server fenced itself)
# may have lost the Lease to a takeover it has not read yet.
renewed_recently() {
  [[ $FAILOVER == true ]] || return 0
  mono_now
  (( now - last_renew_sent <= FENCE_AFTER_CS - 100 ))
}

# become_primary: one step per round; the Lease is renewed between steps.
unlabelled=""  # a previous holder past the StatefulSet's replicas, said once
become_primary() {
  mono_now
  (( now >= takeover_at )) || return 0
  if ! renewed_recently; then
    log "not opening for writes: the last renewal recorded was $(( (now - last_renew_sent) / 100 )) s ago"
    return 0
  fi
  stop_listening >/dev/null 2>&1 || true
  if ! applied_all_received 1; then
    log "applying what this server received before taking writes"
    return 0
  fi
  if [[ -n $previous && $previous != "$me" ]] && ! label_pod "$previous" replica; then
    # A previous holder a scale-down is removing cannot be relabelled (the
    # Role names the kept pods only) and need not be: it fenced itself before
    # anyone could take over (the fence, not the label, keeps two servers from
    # taking writes) and leaves the write Service as its pod goes. Waiting on
    # it left the cluster without a primary for good once the scale-down had
    # removed it (failover-scale.test.ts).
    if refused_past_replicas "$previous"; then
      [[ $unlabelled == "$previous" ]] || log "not relabelling $previous: a scale-down to $replicas replicas removes it (it fenced itself before this takeover)"
      unlabelled=$previous
    else
      log "cannot remove $previous from the write Service yet (API answered $api_status)"
      return 0
    fi
  fi
  # Taking over from another pod with a third member left (a failover or a
  # handover in a cluster of 3 or more): that member answered and follows
  # within seconds, so no commit is acknowledged before one has it. Opening
  # alone, as a new cluster does, acknowledged commits only this server held,
  # lost when it failed again at once (MOCO #370; failover-races.test.ts).
  # Set after the relay log is applied: a replica's applier waits for it too.
  # Reopening in a term whose commits already waited for a replica (this
  # server restarted): they wait again from the first one.
  if [[ $FAILOVER == true ]] && (( ${replicas:-1} > 1 )) && { [[ $strict_term == "$term" ]] ||
    { [[ -n $previous && $previous != "$me" ]] && (( ${replicas:-1} > 2 )); }; }; then
    set_wait_without_replicas ON >/dev/null 2>&1 || { log "cannot make commits wait for a replica yet"; return 0; }
    strict_from_start=1
  fi
  # Said before the server opens: the sidecar loop demotes a writable server
  # while the published role is replica (configure-replication.sh), and the
  # last one published may be from before this pod read that it holds the
  # Lease (seen under load: promoted, demoted by the sidecar, promoted again
  # at the next renewal, 7 s of a switchover's pause).
  publish
  bash "$SCRIPTS/promote.sh" "$(deadline_after "$last_renew_sent")" || return 0
  if ! label_pod "$me" primary; then
    # Promoted past the StatefulSet's replicas (a scale-down during a failover,
    # this pod holding the last acknowledged commits): it takes writes outside
    # the write Service, as promote.sh opened it, until it hands the Lease to
    # a kept replica (hand_to_kept_replica, next round).
    if refused_past_replicas "$me"; then
      log "this pod is past the StatefulSet's $replicas replicas: not in the write Service; handing the Lease to a kept replica once one follows"
    else
      log "cannot add this pod to the write Service yet (API answered $api_status)"
      return 0
    fi
  fi
  role=primary strict=""
  publish
  log "this pod holds the Lease (term $term) and takes writes"
  event Promoted "holds the Lease (term $term) and takes writes"
  strict_semi_sync
}

# hand_over TARGET: a planned switchover or a stopping pod. This server stops
# taking writes first; the Lease goes to TARGET once TARGET has applied all
# of it, so the target promotes at once, in about the time it takes to apply
# the rest. Without a target (a stopping pod) the Lease is released, and the
# most advanced replica takes it.
hand_over() {
  local target=$1 state io received executed
  fence "handing over to ${target:-whichever replica is most advanced}" --no-event
  if [[ -n $target ]]; then
    local waited=0
    while :; do
      state=$(progress_state sql_remote "$(peer_host "$(ordinal_of "$target")")" monitor "$SECRET_KEY_MONITOR" 2>/dev/null) || state=""
      read -r io received executed <<<"$state"
      [[ -n $state ]] && covers "$executed" "$(own_executed_word)" && break
      (( waited++ < 50 )) || { log "$target did not apply everything within 10 s; keeping the Lease"; unfence; return 1; }
      pause 0.2
    done
  fi
  # A stopping pod leaves a pending request pending: it names no target.
  local fulfilled=$done_request
  [[ -n $target && $target == "$request" ]] && fulfilled=$request
  patch_lease "{\"holderIdentity\":\"$target\",\"leaseTransitions\":$((term + 1)),\"acquireTime\":\"$(micro_time)\",\"renewTime\":\"$(micro_time)\"}" \
    "{\"$PREVIOUS_ANNOTATION\":\"$me\",\"$DONE_ANNOTATION\":\"$fulfilled\"}" || { unfence; return 1; }
  holder=$target term=$((term + 1))
  label_pod "$me" replica || true
  become_replica
  publish
  log "handed the Lease to ${target:-nobody (released)}"
  event HandedOver "fenced this server and handed the Lease to ${target:-nobody (released)}"
}

# hand_to_kept_replica: this holder is past the StatefulSet's replicas (a
# scale-down removes it); the Lease goes, as in a planned switchover, to the
# first kept pod that follows this one, before the StatefulSet controller
# deletes this pod (or the scale-down, waiting for a failover, cannot
# proceed); said once while none follows.
handing_to_kept=""
hand_to_kept_replica() {
  local o self_host
  self_host=$(peer_host "$my_ordinal")
  for (( o = 0; o < replicas; o++ )); do
    if follows_me 100 "$o" "$self_host"; then
      log "past the StatefulSet's $replicas replicas: handing the Lease to $STS_NAME-$o, which follows this pod"
      hand_over "$STS_NAME-$o" && return 0
    fi
  done
  [[ $handing_to_kept == "$replicas" ]] || log "past the StatefulSet's $replicas replicas, and no kept pod follows this one yet: keeping the Lease"
  handing_to_kept=$replicas
  return 1
}

own_executed_word() { local io received executed; read -r io received executed <<<"$(progress_state sql_root)"; printf '%s' "$executed"; }

unfence() {
  [[ $holder == "$me" ]] || return 0
  role=promoting
  takeover_at=0
}

# ---- A replica -----------------------------------------------------------------

# peer_progress ORDINAL: another member's progress_state, for may_take_over.
peer_progress() { progress_state sql_remote "$(peer_host "$1")" monitor "$SECRET_KEY_MONITOR"; }

# try_takeover REASON: the holder's lease ran out or was released. The
# candidate choice itself is may_take_over (failover-lib.sh).
declined=""
try_takeover() {
  local reason=$1 state io received executed old=${holder:-$previous} old_ordinal="" why
  if [[ -n $old ]]; then old_ordinal=$(ordinal_of "$old"); fi
  state=$(progress_state sql_root) || return 0
  read -r io received executed <<<"$state"
  if [[ $reason == expired && $role != lost ]]; then
    # Still hearing from a holder that still takes writes: the API is in
    # trouble, not the primary (it stays, in failsafe).
    # Bounded as the failsafe's questions are (a lost node never answers).
    if [[ $io == Yes ]] && peer_writable "$old_ordinal"; then return 0; fi
  fi
  if [[ $role != lost && $io != none ]]; then
    stop_listening >/dev/null 2>&1 || { log "cannot stop listening to $holder"; return 0; }
    role=lost
    publish
    log "the Lease of ${old:-the primary} $reason; this replica stopped listening to it"
    state=$(progress_state sql_root) || return 0
  fi
  if [[ $reason == released && $old == "$me" ]]; then
    # This pod released the Lease last and nobody held it since (a holder
    # would have named itself previous-holder): nothing was acknowledged
    # anywhere but here, so it may take it back without asking the others,
    # who may not exist yet (a one-pod cluster rolling, a scale-up behind
    # it). It leaves them a whole lease duration first: a pod deleted and
    # recreated at once must not win the race against the replica meant to
    # replace it (that would only lengthen the pause).
    mono_now
    if (( now - seen_at < LEASE_CS )) && { ! read_replicas || (( replicas > 1 )); }; then return 0; fi
  else
    read_replicas || { log "cannot read the StatefulSet's replicas (API answered $api_status)"; return 0; }
    if ! why=$(may_take_over "$my_ordinal" "$old_ordinal" "$replicas" "$state"); then
      # Said once per reason: the agent asks every second.
      [[ $why == "$declined" ]] || log "not taking over: $why"
      declined=$why
      return 0
    fi
  fi
  declined=""
  # Compare-and-swap: of two candidates reading the same resourceVersion, one wins.
  patch_lease "{\"holderIdentity\":\"$me\",\"leaseTransitions\":$((term + 1)),\"acquireTime\":\"$(micro_time)\",\"renewTime\":\"$(micro_time)\"}" \
    "{\"$PREVIOUS_ANNOTATION\":\"$old\"}" || { log "another pod took the Lease first (API answered $api_status)"; return 0; }
  mono_now
  last_renew_sent=$now
  [[ $reason == expired ]] && takeover_at=$((now + TAKEOVER_MARGIN_CS)) || takeover_at=0
  previous=$old holder=$me term=$((term + 1)) role=promoting
  publish
  log "took the Lease (term $term) because the lease of ${previous:-the primary} $reason"
}

# ---- The loop ---------------------------------------------------------------------

on_term() { stopping=1; }
trap on_term TERM INT

round() {
  mono_now
  if read_lease; then
    api_ok=1
    if [[ $rv != "$seen_rv" ]]; then seen_rv=$rv seen_at=$now; fi
  else
    api_ok=0
    # The record must be seen unchanged without a break: a candidate that
    # could not read it starts counting again (an API outage is no expiry).
    seen_rv="" seen_at=$now
  fi

  if (( stopping )); then
    if [[ $role == primary || $role == promoting ]] && (( api_ok )); then hand_over "" || true; fi
    exit 0
  fi

  if (( api_ok )) && [[ $holder == "$me" ]]; then
    if [[ $role == lost ]]; then
      # A takeover whose answer never came (the API timed out, the write
      # landed): it still waits the takeover margin before opening, counted
      # from now, later than the write.
      role=promoting takeover_at=$((now + TAKEOVER_MARGIN_CS))
      log "this pod holds the Lease (term $term): a takeover whose answer was lost; opening after the takeover margin"
    elif [[ $role != primary && $role != promoting ]]; then
      role=promoting takeover_at=0
    fi
    if (( now - last_renew_sent >= RENEW_CS )); then
      if renew; then
        read_replicas || true
      else
        log "could not renew the Lease (API answered ${api_status:-nothing})"
        # The API stopped answering between the read and the renewal: this
        # round is the failsafe's, now. Another call (read_replicas) would
        # wait API_TIMEOUT again and the next round's read a third time,
        # past the fence deadline: an outage that began at a renewal fenced
        # a healthy primary (seen once in CI, failover-api.test.ts). A 409
        # or 403 is an answer: the next read decides.
        if api_unanswered; then failsafe; fi
      fi
      # A server that restarted (or fenced itself while this agent stalled)
      # starts read-only: promote it again, as the Lease is still ours, but
      # only with a renewal recorded since: a failed one may mean another pod
      # took the Lease, and this server must stay fenced until that is read.
      if [[ $role == primary ]] && renewed_recently && ! is_writable sql_root; then role=promoting takeover_at=0; fi
      strict_semi_sync
    fi
    [[ $role == promoting ]] && become_primary
    if [[ $role == primary ]] && past_replicas "$me"; then
      hand_to_kept_replica || true
    elif [[ $role == primary && -n $request && $request != "$done_request" ]]; then
      if [[ $request == "$me" ]]; then
        patch_lease '{}' "{\"$DONE_ANNOTATION\":\"$request\"}" || true
      elif [[ $(ordinal_of "$request") =~ ^[0-9]+$ ]] && read_replicas && (( $(ordinal_of "$request") < replicas )); then
        hand_over "$request" || true
      fi
    fi
  elif (( api_ok )); then
    if [[ $role == primary || $role == promoting ]]; then fence "the Lease is held by ${holder:-nobody} now"; fi
    if [[ $role == fenced ]]; then become_replica; fi
    if [[ -z $holder && $term == 0 ]]; then
      # A new cluster: the pod `pulumi up` names takes the empty Lease.
      if [[ $request == "$me" ]]; then
        patch_lease "{\"holderIdentity\":\"$me\",\"leaseTransitions\":1,\"acquireTime\":\"$(micro_time)\",\"renewTime\":\"$(micro_time)\"}" \
          "{\"$DONE_ANNOTATION\":\"$me\"}" && { holder=$me term=1 role=promoting takeover_at=0 last_renew_sent=$now; log "took the new cluster's Lease"; }
      fi
    elif [[ -z $holder ]]; then
      if [[ $FAILOVER == true || $previous == "$me" ]]; then try_takeover released; fi
    elif [[ $FAILOVER == true ]] && (( now - seen_at >= LEASE_CS )); then
      try_takeover expired
    elif [[ $role == lost ]]; then
      role=replica   # the holder renewed after all: listen to it again
    fi
  else
    # No API: only the holder has something to decide (failsafe takes the
    # time after the failed read, which may have waited API_TIMEOUT, and
    # every overdue round decides, so the deadline never runs out between
    # two rounds).
    failsafe
  fi
  publish
}

# next_pause: sets pause_for, the wait before the next round; awaiting_since
# is when this pod first read the pending request.
awaiting_since=0 pause_for=$POLL_SECONDS
next_pause() {
  pause_for=$POLL_SECONDS
  if (( api_ok )) && [[ -n ${request:-} && $request != "${done_request:-}" && $holder != "$me" ]]; then
    (( awaiting_since )) || awaiting_since=$now
    if (( now - awaiting_since < TARGET_POLL_CS )); then pause_for=$TARGET_POLL_SECONDS; fi
  else
    awaiting_since=0
  fi
}

log "failover agent started (lease $LEASE_NAME, ${LEASE_SECONDS}s, automatic failover: $FAILOVER)"
# Whatever an earlier run of this agent set: the holder sets it again once a replica follows.
set_wait_without_replicas OFF >/dev/null 2>&1 || true
read_replicas || true
while :; do
  round || log "a round failed; trying again"
  next_pause
  pause "$pause_for"
done
