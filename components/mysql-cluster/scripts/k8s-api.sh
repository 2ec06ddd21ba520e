# shellcheck shell=bash disable=SC2034  # the api_* and lease_* results are for the scripts that source this file
# A Kubernetes API client for the pod scripts, sourced (not run). It needs only
# bash builtins, coreutils' timeout and socat: the sidecar image of the mysql
# flavor (percona/percona-xtrabackup) has no confirmed sed, grep or awk
# (image-facts.ts), so the JSON reading below is pure bash.
#
#  - TLS to $KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT (the variables the
#    kubelet gives every container), verifying the server certificate against
#    the service-account CA for the name kubernetes.default.svc (socat OPENSSL
#    with cafile=, verify=1, commonname=: options of both socat 1.7.4, Debian 12,
#    and 1.8, Ubuntu 24.04).
#  - The bearer token is read from $SA_DIR/token at every call (the kubelet
#    rotates projected tokens) and written to socat's stdin by the printf
#    builtin: it is never in an argv, the environment or a log.
#  - HTTP/1.0, so the answer is never chunked and the server closes the
#    connection after it; every call is bounded by `timeout "$API_TIMEOUT"`.
#
# Results: api_status (the HTTP code, 000 when there was no answer) and api_body.
# api_request and the helpers return 0 for 2xx and 1 otherwise.

# SA_DIR and the file names under it (SA_TOKEN_NAME, SA_CA_NAME,
# SA_NAMESPACE_NAME) come from contract.sh, which lib.sh sources first; the
# tests set them in the environment instead.
API_TIMEOUT=${API_TIMEOUT:-5}
# The name the serving certificate must carry (a SAN of every conformant API
# server's certificate: kubernetes.io/docs/setup/best-practices/certificates/).
API_SERVER_NAME=${API_SERVER_NAME:-kubernetes.default.svc}
API_USER_AGENT=${API_USER_AGENT:-mysql-cluster-agent}
api_status=000
api_body=

# The pod's namespace: $API_NAMESPACE, or the service-account namespace file.
api_namespace() {
  local ns=${API_NAMESPACE:-}
  if [[ -z $ns && -r $SA_DIR/$SA_NAMESPACE_NAME ]]; then
    IFS= read -r ns <"$SA_DIR/$SA_NAMESPACE_NAME" || true
  fi
  [[ $ns =~ ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ ]] || {
    printf 'k8s-api: no namespace: set API_NAMESPACE or mount %s/%s\n' "$SA_DIR" "$SA_NAMESPACE_NAME" >&2
    return 1
  }
  printf '%s' "$ns"
}

# api_request METHOD PATH [CONTENT_TYPE] <BODY
# The body is read from stdin for POST, PUT and PATCH only.
api_request() {
  local method=$1 path=$2 ctype=${3:-application/json}
  local LC_ALL=C body='' token='' response='' head addr status_re
  api_status=000
  api_body=
  if [[ $method == POST || $method == PUT || $method == PATCH ]]; then
    IFS= read -r -d '' body || true
  fi
  if [[ -z ${KUBERNETES_SERVICE_HOST:-} || -z ${KUBERNETES_SERVICE_PORT:-} ]]; then
    printf 'k8s-api: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set\n' >&2
    return 1
  fi
  if [[ -z ${SA_DIR:-} || -z ${SA_TOKEN_NAME:-} || -z ${SA_CA_NAME:-} || -z ${SA_NAMESPACE_NAME:-} ]]; then
    printf 'k8s-api: SA_DIR, SA_TOKEN_NAME, SA_CA_NAME and SA_NAMESPACE_NAME are not set (contract.sh)\n' >&2
    return 1
  fi
  if [[ -r $SA_DIR/$SA_TOKEN_NAME ]]; then
    IFS= read -r -d '' token <"$SA_DIR/$SA_TOKEN_NAME" || true
  fi
  token=${token%$'\n'}
  # A token is base64url/JWT text; anything else would break the header.
  if [[ ! $token =~ ^[A-Za-z0-9._~+/=-]+$ ]]; then
    printf 'k8s-api: no usable token in %s/%s\n' "$SA_DIR" "$SA_TOKEN_NAME" >&2
    return 1
  fi
  addr=$KUBERNETES_SERVICE_HOST
  [[ $addr == *:* ]] && addr="[$addr]"
  # ignoreeof: the end of the request on stdin must not become a half-close of
  # the connection, which the server takes for a client gone away (Go's
  # net/http cancels the request; Node aborts it) before it answers. The server
  # closes the connection after its HTTP/1.0 answer; socat then ends after -t.
  # timeout bounds the whole call.
  response=$(
    printf '%s %s HTTP/1.0\r\nHost: %s\r\nAuthorization: Bearer %s\r\nUser-Agent: %s\r\nAccept: application/json\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n%s' \
      "$method" "$path" "$API_SERVER_NAME" "$token" "$API_USER_AGENT" "$ctype" "${#body}" "$body" |
      timeout -k 1 "$API_TIMEOUT" socat -t 0.1 -,ignoreeof \
        "OPENSSL:$addr:$KUBERNETES_SERVICE_PORT,cafile=$SA_DIR/$SA_CA_NAME,verify=1,commonname=$API_SERVER_NAME"
  ) || true
  token=
  status_re=$'^HTTP/1\\.[01] ([0-9]{3})[^\r\n]*\r\n'
  [[ $response =~ $status_re && $response == *$'\r\n\r\n'* ]] || return 1
  head=${response%%$'\r\n\r\n'*}
  if [[ ${head,,} == *$'\r\n'transfer-encoding:*chunked* ]]; then
    printf 'k8s-api: chunked answer to an HTTP/1.0 request\n' >&2
    return 1
  fi
  api_status=${BASH_REMATCH[1]}
  api_body=${response#*$'\r\n\r\n'}
  [[ $api_status == 2?? ]]
}

# api_unanswered: the last call got no answer (000) or a server error (5xx),
# as opposed to an answer that decides something (409 conflict, 403, 404).
api_unanswered() { [[ ! $api_status =~ ^[1-4][0-9][0-9]$ ]]; }

# ---- reading api_body ----
# The JSON supported is what the API server writes: one object, compact or
# not, strings with the standard escapes (\uXXXX of the Basic Multilingual
# Plane only), numbers, true/false/null, nested objects and arrays. The field
# read is a key of the object that is the value of "metadata" or "spec" in the
# top-level object, the first such occurrence: the same name inside
# managedFields ("f:holderIdentity"), labels, annotations or any other nested
# object is not it. A body that is not such JSON gives "not found".

# _json_field FIELD [annotations]: sets _json_type (string, number, true, false,
# null, object, array) and _json_raw (the string's content still escaped, or
# the scalar). With "annotations", FIELD is a key of metadata.annotations.
_json_field() {
  local want=$1 within=${2:-} s=$api_body LC_ALL=C
  local -a cont=() names=()
  local -i depth=0 want_key=0
  local key='' tok type
  local re_ws='^[[:space:]]+' re_str='^"([^"\\]*(\\.[^"\\]*)*)"' re_scalar='^(-?[0-9][-+.eE0-9]*|true|false|null)'
  _json_type='' _json_raw=''
  while [[ -n $s ]]; do
    [[ $s =~ $re_ws ]] && s=${s:${#BASH_REMATCH[0]}}
    [[ -n $s ]] || break
    type=''
    case ${s:0:1} in
      '{' | '[')
        [[ ${s:0:1} == '{' ]] && type=object || type=array
        ;;
      '}' | ']')
        depth=$((depth - 1))
        ((depth >= 0)) || return 1
        s=${s:1}
        key=''
        continue
        ;;
      ',')
        s=${s:1}
        [[ ${cont[depth]:-} == o ]] && want_key=1
        continue
        ;;
      ':')
        s=${s:1}
        continue
        ;;
      '"')
        [[ $s =~ $re_str ]] || return 1
        tok=${BASH_REMATCH[1]}
        s=${s:${#BASH_REMATCH[0]}}
        if ((want_key)); then
          key=$tok
          want_key=0
          continue
        fi
        type=string
        ;;
      *)
        [[ $s =~ $re_scalar ]] || return 1
        tok=${BASH_REMATCH[1]}
        s=${s:${#tok}}
        case $tok in
          true | false | null) type=$tok ;;
          *) type=number ;;
        esac
        ;;
    esac
    # A value: is it metadata.<want> or spec.<want> of the top-level object?
    if [[ -z $within ]] && ((depth == 2)) && [[ $key == "$want" && ${cont[1]} == o && ${cont[2]} == o ]] &&
      [[ ${names[2]} == metadata || ${names[2]} == spec ]]; then
      _json_type=$type
      [[ $type == object || $type == array ]] || _json_raw=$tok
      return 0
    fi
    if [[ $within == annotations ]] && ((depth == 3)) && [[ $key == "$want" && ${cont[1]} == o && ${cont[2]} == o ]] &&
      [[ ${cont[3]} == o && ${names[2]} == metadata && ${names[3]} == annotations ]]; then
      _json_type=$type
      [[ $type == object || $type == array ]] || _json_raw=$tok
      return 0
    fi
    if [[ $type == object || $type == array ]]; then
      depth=$((depth + 1))
      cont[depth]=${type:0:1}
      names[depth]=$key
      want_key=0
      [[ $type == object ]] && want_key=1
      s=${s:1}
    fi
    key=''
  done
  return 1
}

# _json_unescape TEXT: prints TEXT with JSON string escapes decoded.
_json_unescape() {
  local rest=$1 out='' c hex LC_ALL=C
  local -i cp
  local re='^([^\\]*)\\(.)(.*)$'
  while [[ $rest =~ $re ]]; do
    out+=${BASH_REMATCH[1]}
    c=${BASH_REMATCH[2]}
    rest=${BASH_REMATCH[3]}
    case $c in
      n) out+=$'\n' ;;
      t) out+=$'\t' ;;
      r) out+=$'\r' ;;
      b) out+=$'\b' ;;
      f) out+=$'\f' ;;
      u)
        hex=${rest:0:4}
        [[ $hex =~ ^[0-9A-Fa-f]{4}$ ]] || return 1
        rest=${rest:4}
        cp=16#$hex
        # UTF-8 by hand: the C locale's printf would not encode \u above 0x7f.
        if ((cp < 0x80)); then
          printf -v hex '\\x%02x' "$cp"
        elif ((cp < 0x800)); then
          printf -v hex '\\x%02x\\x%02x' $((0xC0 | cp >> 6)) $((0x80 | (cp & 0x3F)))
        else
          printf -v hex '\\x%02x\\x%02x\\x%02x' $((0xE0 | cp >> 12)) $((0x80 | (cp >> 6 & 0x3F))) $((0x80 | (cp & 0x3F)))
        fi
        printf -v c '%b' "$hex"
        out+=$c
        ;;
      *) out+=$c ;; # \" \\ \/
    esac
  done
  printf '%s' "$out$rest"
}

# json_string FIELD: prints the string value of metadata.FIELD or spec.FIELD in
# api_body (see above); returns 1 when it is absent, null or not a string.
json_string() {
  _json_field "$1" && [[ $_json_type == string ]] || return 1
  _json_unescape "$_json_raw"
}

# json_annotation KEY: prints the value of metadata.annotations[KEY] in
# api_body; returns 1 when it is absent or not a string.
json_annotation() {
  _json_field "$1" annotations && [[ $_json_type == string ]] || return 1
  _json_unescape "$_json_raw"
}

# json_number FIELD: prints the integer value of metadata.FIELD or spec.FIELD;
# returns 1 when it is absent, null or not an integer.
json_number() {
  _json_field "$1" && [[ $_json_type == number && $_json_raw =~ ^-?[0-9]+$ ]] || return 1
  printf '%s' "$_json_raw"
}

# json_quote TEXT: prints TEXT as a JSON string literal.
json_quote() {
  local s=$1 LC_ALL=C
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\n'/\\n}
  s=${s//$'\r'/\\r}
  s=${s//$'\t'/\\t}
  printf '"%s"' "$s"
}

# micro_time: prints the current time as a Lease MicroTime, UTC with
# microseconds (RFC3339Micro, 2006-01-02T15:04:05.000000Z), from one reading
# of EPOCHREALTIME.
micro_time() {
  local LC_ALL=C TZ=UTC0 now=$EPOCHREALTIME t
  printf -v t '%(%Y-%m-%dT%H:%M:%S)T' "${now%[.,]*}"
  printf '%s.%sZ' "$t" "${now#*[.,]}"
}

# ---- Lease, Pod and Event helpers ----

readonly LEASES_API=/apis/coordination.k8s.io/v1

# lease_get NAME: reads the Lease; on success sets lease_resource_version,
# lease_holder, lease_duration, lease_transitions, lease_acquire_time and
# lease_renew_time (empty when the field is unset).
lease_get() {
  local ns
  ns=$(api_namespace) || return 1
  api_request GET "$LEASES_API/namespaces/$ns/leases/$1" || return 1
  _lease_read
}

_lease_read() {
  lease_resource_version=$(json_string resourceVersion) || lease_resource_version=
  lease_holder=$(json_string holderIdentity) || lease_holder=
  lease_duration=$(json_number leaseDurationSeconds) || lease_duration=
  lease_transitions=$(json_number leaseTransitions) || lease_transitions=
  lease_acquire_time=$(json_string acquireTime) || lease_acquire_time=
  lease_renew_time=$(json_string renewTime) || lease_renew_time=
}

# lease_update NAME RESOURCE_VERSION HOLDER DURATION_S TRANSITIONS [ANNOTATIONS_JSON]
# Compare-and-swap: a PUT carrying RESOURCE_VERSION, which the server refuses
# with 409 when the Lease changed since it was read. renewTime is now;
# acquireTime is now when HOLDER differs from the holder lease_get last read,
# else that read's acquireTime. ANNOTATIONS_JSON, when given, is a JSON object
# that replaces metadata.annotations. On success the lease_* variables hold
# the new record (its resourceVersion for the next renewal).
lease_update() {
  local name=$1 rv=$2 holder=$3 duration=$4 transitions=$5 annotations=${6:-}
  local ns now acquire meta
  [[ $duration =~ ^[0-9]+$ && $transitions =~ ^[0-9]+$ ]] || {
    printf 'k8s-api: lease_update: DURATION_S and TRANSITIONS must be whole numbers, got "%s" and "%s"\n' \
      "$duration" "$transitions" >&2
    return 1
  }
  ns=$(api_namespace) || return 1
  now=$(micro_time)
  acquire=$now
  [[ $holder == "${lease_holder:-}" && -n ${lease_acquire_time:-} ]] && acquire=$lease_acquire_time
  meta="\"name\":$(json_quote "$name"),\"namespace\":$(json_quote "$ns"),\"resourceVersion\":$(json_quote "$rv")"
  [[ -n $annotations ]] && meta+=",\"annotations\":$annotations"
  api_request PUT "$LEASES_API/namespaces/$ns/leases/$name" <<EOF || return 1
{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{$meta},"spec":{"holderIdentity":$(json_quote "$holder"),"leaseDurationSeconds":$duration,"acquireTime":"$acquire","renewTime":"$now","leaseTransitions":$transitions}}
EOF
  _lease_read
}

# lease_patch NAME RESOURCE_VERSION SPEC_JSON [ANNOTATIONS_JSON]: a JSON merge
# patch of the Lease that carries RESOURCE_VERSION, so the server applies it
# only if nobody wrote the Lease since (409 otherwise): compare-and-swap
# without restating the whole record. SPEC_JSON is merged into spec and
# ANNOTATIONS_JSON, when given, into metadata.annotations. On success the
# lease_* variables hold the new record. The body comes from a here-document,
# never a pipe: a pipeline would run api_request in a subshell and lose
# api_status and api_body.
lease_patch() {
  local name=$1 rv=$2 spec=$3 annotations=${4:+,\"annotations\":$4} ns
  ns=$(api_namespace) || return 1
  api_request PATCH "$LEASES_API/namespaces/$ns/leases/$name" application/merge-patch+json <<EOF || return 1
{"metadata":{"resourceVersion":$(json_quote "$rv")$annotations},"spec":$spec}
EOF
  _lease_read
}

# pod_label NAME KEY VALUE|null: sets (or, with null, removes) one label of a
# pod by a JSON merge patch (no resourceVersion: last write wins).
pod_label() {
  local name=$1 key=$2 value=$3 ns
  ns=$(api_namespace) || return 1
  [[ $value == null ]] || value=$(json_quote "$value")
  api_request PATCH "/api/v1/namespaces/$ns/pods/$name" application/merge-patch+json <<EOF
{"metadata":{"labels":{$(json_quote "$key"):$value}}}
EOF
}

# event_create KIND NAME REASON MESSAGE [TYPE]: records a core/v1 Event about
# the object KIND/NAME (Pod or Lease) of this namespace; TYPE is Normal
# (default) or Warning. Best effort: callers ignore its failure (`|| true`).
event_create() {
  local kind=$1 name=$2 reason=$3 message=$4 type=${5:-Normal} ns api_version=v1 now stamp LC_ALL=C
  ns=$(api_namespace) || return 1
  [[ $kind == Lease ]] && api_version=coordination.k8s.io/v1
  now=$EPOCHREALTIME
  printf -v stamp '%x%s' "${now%[.,]*}" "${now#*[.,]}"
  local TZ=UTC0 time
  printf -v time '%(%Y-%m-%dT%H:%M:%SZ)T' "${now%[.,]*}"
  api_request POST "/api/v1/namespaces/$ns/events" <<EOF
{"apiVersion":"v1","kind":"Event","metadata":{"name":$(json_quote "$name.$stamp"),"namespace":$(json_quote "$ns")},"involvedObject":{"kind":$(json_quote "$kind"),"namespace":$(json_quote "$ns"),"name":$(json_quote "$name"),"apiVersion":"$api_version"},"reason":$(json_quote "$reason"),"message":$(json_quote "$message"),"source":{"component":$(json_quote "$API_USER_AGENT")},"firstTimestamp":"$time","lastTimestamp":"$time","count":1,"type":$(json_quote "$type"),"reportingComponent":$(json_quote "$API_USER_AGENT"),"reportingInstance":$(json_quote "${POD_NAME:-}")}
EOF
}
