#!/usr/bin/env bash
# A real vanthu-server on a demo data directory, scraped at /metrics over HTTP and judged by the
# Prometheus project's own text-format parser (tests/api/metrics_format_check.py).
set -uo pipefail
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

if ! /usr/bin/python3 -c 'import prometheus_client.parser' 2>/dev/null; then
  echo "SKIP: python3-prometheus-client is not installed (script/bootstrap installs it)"
  exit 77
fi

# GET PATH -> the raw HTTP response (bash's /dev/tcp).
http_get() {
  exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
  printf 'GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n' "$1" >&3
  cat <&3
  exec 3<&-
}

export VANTHU_DEMO_PASSWORD=${VANTHU_DEMO_PASSWORD:-demo-test-password}
"$bin/vanthu" demo init --dir "$tmp/var" --quiet >"$tmp/init.out" 2>&1 || {
  echo "FAIL: demo init: $(cat "$tmp/init.out")"
  exit 1
}
"$bin/vanthu-server" --data "$tmp/var" --port 0 >"$tmp/server.out" 2>"$tmp/server.log" &
server_pid=$!
port=""
for _ in $(seq 1 100); do
  port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$tmp/server.out")
  [ -n "$port" ] && break
  sleep 0.1
done
if [ -z "$port" ]; then
  echo "FAIL: server did not start: $(cat "$tmp/server.out" "$tmp/server.log")"
  exit 1
fi

for _ in 1 2 3; do http_get /healthz >/dev/null; done
http_get /readyz >/dev/null
http_get /does/not/exist-42 >/dev/null
http_get /metrics >"$tmp/scrape.http"
head -n 1 "$tmp/scrape.http" | grep -c " 200 " >/dev/null || {
  echo "FAIL: /metrics: $(head -n 5 "$tmp/scrape.http")"
  exit 1
}
grep -ci "^content-type: text/plain; version=0.0.4" "$tmp/scrape.http" >/dev/null || {
  echo "FAIL: /metrics content type: $(head -n 12 "$tmp/scrape.http")"
  exit 1
}
# The body: everything after the blank line that ends the headers.
sed '1,/^\r\{0,1\}$/d' "$tmp/scrape.http" >"$tmp/metrics.txt"
/usr/bin/python3 "$here/metrics_format_check.py" "$tmp/metrics.txt"
