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
source "${0%/*}/lib.sh"  # scripts run by path (bash /scripts/NAME), so no dirname process

refuse() {
  printf 'HTTP/1.0 %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s\n' "$1" $(( ${#2} + 1 )) "$2"
  exit 0
}

request=""
IFS= read -r -t 10 request || true
request=${request%$'\r'}
# The headers are read and dropped: none of them is passed on.
while IFS= read -r -t 10 header && [[ -n ${header%$'\r'} ]]; do :; done
[[ $request =~ ^GET\ /metrics\ HTTP/1\.[01]$ ]] ||
  refuse "403 Forbidden" "only GET /metrics (no query: no target, no auth_module) is served here"
exec {exporter}<>"/dev/tcp/127.0.0.1/$EXPORTER_LOCAL_PORT" || refuse "503 Service Unavailable" "the exporter does not answer"
printf 'GET /metrics HTTP/1.0\r\nHost: localhost\r\nConnection: close\r\n\r\n' >&"$exporter"
# The answer goes back as it comes (HTTP/1.0: it ends when the exporter closes).
cat <&"$exporter"
