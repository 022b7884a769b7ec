#!/usr/bin/env bash
# The path of script/server, end to end: demo init (twice: idempotent), vanthu-server on a free
# port, /healthz, /readyz and a problem+json over real HTTP, JSON logs, graceful SIGTERM.
set -uo pipefail
bin=$1
tmp=$(mktemp -d)
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# GET PATH -> prints the raw HTTP response (bash's /dev/tcp: no curl on a fresh machine).
http_get() {
  exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
  printf 'GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n' "$1" >&3
  cat <&3
  exec 3<&-
}

export VANTHU_DEMO_PASSWORD=${VANTHU_DEMO_PASSWORD:-demo-test-password}
"$bin/vanthu" demo init --dir "$tmp/var" --quiet >"$tmp/init1.out" 2>&1 || fail "demo init: $(cat "$tmp/init1.out")"
[ -f "$tmp/var/.vanthu-demo" ] || fail "no completion marker after demo init"
[ -f "$tmp/var/vanthu.db" ] || fail "no database after demo init"
before=$(find "$tmp/var" -type f -exec sha256sum {} + | sort)
"$bin/vanthu" demo init --dir "$tmp/var" --quiet >"$tmp/init2.out" 2>&1 || fail "second demo init failed"
grep -q "nothing to do" "$tmp/init2.out" || fail "second demo init did not say it had nothing to do"
after=$(find "$tmp/var" -type f -exec sha256sum {} + | sort)
[ "$before" = "$after" ] || fail "second demo init changed files"

"$bin/vanthu-server" --data "$tmp/var" --port 0 >"$tmp/server.out" 2>"$tmp/server.log" &
server_pid=$!
port=""
for _ in $(seq 1 100); do
  port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$tmp/server.out")
  [ -n "$port" ] && break
  sleep 0.1
done
if [ -z "$port" ]; then
  fail "server did not start: $(cat "$tmp/server.out" "$tmp/server.log")"
else
  health=$(http_get /healthz)
  echo "$health" | head -n 1 | grep -q "200" || fail "/healthz: $health"
  echo "$health" | grep -q '{"status":"ok"}' || fail "/healthz body: $health"
  ready=$(http_get /readyz)
  echo "$ready" | head -n 1 | grep -q "200" || fail "/readyz: $ready"
  missing=$(http_get /api/v1/nothing-here)
  echo "$missing" | head -n 1 | grep -q "404" || fail "unknown route: $missing"
  echo "$missing" | grep -qi "content-type: application/problem+json" || fail "no problem+json: $missing"
  echo "$missing" | grep -q '"code":"route_not_found"' || fail "no stable code: $missing"

  kill -TERM "$server_pid"
  wait "$server_pid"
  status=$?
  server_pid=""
  [ "$status" -eq 0 ] || fail "server exited $status after SIGTERM"
  grep -q '"event":"server_stopped"' "$tmp/server.log" || fail "no server_stopped log line"
  # Every log line is one JSON object.
  while IFS= read -r line; do
    case "$line" in
      '{"ts":'*'}') ;;
      *) fail "log line is not JSON: $line" ;;
    esac
  done <"$tmp/server.log"
fi

echo "$failures failed"
[ "$failures" -eq 0 ]
