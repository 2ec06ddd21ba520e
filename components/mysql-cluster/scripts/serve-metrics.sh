#!/usr/bin/env bash
# Runs once per connection to the metrics port (the sidecar's socat): passes a
# plain "GET /metrics" on to the exporter, which listens on the pod's loopback
# only, and refuses every other request. mysqld_exporter >= 0.15 connects to
# any "target" a request names, on /probe and on /metrics alike, with the
# login of its option file (https://github.com/prometheus/mysqld_exporter,
# v0.16.0 probe.go and mysqld_exporter.go newHandler): anyone who reaches the
# port could make it open connections anywhere. Here no request with a query
# (no target, no auth_module, no collect[]) and no other path gets through,
# and the request that does is rewritten, so nothing a client sends but the
# path reaches the exporter.
set -euo pipefail
# shellcheck source=lib.sh
source "${0%/*}/lib.sh"  # scripts run by path (bash $SCRIPTS/NAME), so no dirname process

refuse() {
  printf 'HTTP/1.0 %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s\n' "$1" $(( ${#2} + 1 )) "$2"
  exit 0
}

# The whole request (line and headers) must arrive within one deadline, in at
# most MAX_HEADERS lines of at most MAX_LINE characters. A timeout per line
# let a client that sends a header every few seconds hold this process (one of
# the listener's 8) for ever, and 8 such clients stopped every scrape; an
# unbounded line was taken in a byte per system call. Prometheus sends about
# six short headers at once.
readonly REQUEST_SECONDS=${METRICS_REQUEST_SECONDS:-10} MAX_HEADERS=64 MAX_LINE=8192
deadline=$(( SECONDS + REQUEST_SECONDS ))
# next_line VAR: reads one line into VAR within what is left of the deadline;
# refuses the request when the time is up or the line is too long.
next_line() {
  local left=$(( deadline - SECONDS )) _line="" status=0
  (( left > 0 )) || refuse "408 Request Timeout" "the request did not arrive within ${REQUEST_SECONDS}s"
  IFS= read -r -t "$left" -n "$MAX_LINE" _line || status=$?
  # Above 128: the time ran out; 1, the end of input: what was read is all there is.
  (( status <= 128 )) || refuse "408 Request Timeout" "the request did not arrive within ${REQUEST_SECONDS}s"
  (( ${#_line} < MAX_LINE )) || refuse "431 Request Header Fields Too Large" "a request line or header is longer than $MAX_LINE characters"
  printf -v "$1" '%s' "${_line%$'\r'}"
}
request=""
next_line request
# The headers are read and dropped: none of them is passed on.
for (( lines = 0; ; lines++ )); do
  (( lines < MAX_HEADERS )) || refuse "431 Request Header Fields Too Large" "more than $MAX_HEADERS header lines"
  next_line header
  [[ -n $header ]] || break
done
[[ $request =~ ^GET\ /metrics\ HTTP/1\.[01]$ ]] ||
  refuse "403 Forbidden" "only GET /metrics (no query: no target, no auth_module) is served here"
exec {exporter}<>"/dev/tcp/127.0.0.1/$EXPORTER_LOCAL_PORT" || refuse "503 Service Unavailable" "the exporter does not answer"
printf 'GET /metrics HTTP/1.0\r\nHost: localhost\r\nConnection: close\r\n\r\n' >&"$exporter"
# The answer goes back as it comes (HTTP/1.0: it ends when the exporter closes).
if [[ ! -r $ARCHIVE_METRICS ]]; then
  cat <&"$exporter"
  exit 0
fi
# With binary log archiving, its metrics (archive-binlogs.sh) follow the
# exporter's: the headers are passed on but a Content-Length, which would
# end the body before them.
while IFS= read -r -t 30 line <&"$exporter"; do
  [[ ${line%$'\r'} == "" ]] && { printf '\r\n'; break; }
  [[ ${line,,} == content-length:* ]] || printf '%s\n' "$line"
done
cat <&"$exporter"
cat "$ARCHIVE_METRICS"
