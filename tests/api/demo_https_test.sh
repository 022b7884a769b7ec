#!/usr/bin/env bash
# HTTPS the way a script/server user tries it: `vanthu demo init`, then vanthu-server with the
# demo localhost certificate (set through the environment), judged by openssl s_client trusting
# the demo root: /healthz answers over TLS 1.2+, with HSTS; TLS 1.1 and plain HTTP do not.
set -uo pipefail
bin=$1
tmp=$(mktemp -d)
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

export VANTHU_DEMO_PASSWORD=${VANTHU_DEMO_PASSWORD:-demo-test-password}
"$bin/vanthu" demo init --dir "$tmp/var" --quiet >"$tmp/init.out" 2>&1 || {
  echo "FAIL: demo init: $(cat "$tmp/init.out")"
  exit 1
}
root="$tmp/var/pki/roots/demo-national-root-ca.pem"
VANTHU_TLS_CERTIFICATE="$tmp/var/pki/tls/localhost.pem" VANTHU_TLS_KEY="$tmp/var/pki/tls/localhost.key" \
  "$bin/vanthu-server" --data "$tmp/var" --port 0 >"$tmp/server.out" 2>"$tmp/server.log" &
server_pid=$!
port=""
for _ in $(seq 1 100); do
  port=$(sed -n 's|.*listening on https://127.0.0.1:\([0-9]*\)/.*|\1|p' "$tmp/server.out")
  [ -n "$port" ] && break
  sleep 0.1
done
if [ -z "$port" ]; then
  echo "FAIL: server did not start with TLS: $(cat "$tmp/server.out" "$tmp/server.log")"
  exit 1
fi

# HTTPS GET with openssl as the client: verifies the chain and the name, prints the response.
https_get() {
  printf 'GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n' "$1" |
    timeout 20 openssl s_client -connect "127.0.0.1:$port" -servername localhost -CAfile "$root" \
      -verify_return_error -verify_hostname localhost -quiet "${@:2}" 2>"$tmp/s_client.err"
}

https_get /healthz >"$tmp/health.out"
head -n 1 "$tmp/health.out" | grep -c "HTTP/1.0 200\|HTTP/1.1 200" >/dev/null ||
  fail "/healthz over HTTPS: $(cat "$tmp/health.out" "$tmp/s_client.err")"
grep -c '{"status":"ok"}' "$tmp/health.out" >/dev/null || fail "/healthz body: $(cat "$tmp/health.out")"
grep -ci "^strict-transport-security: max-age=" "$tmp/health.out" >/dev/null || fail "no HSTS over HTTPS"

https_get /healthz -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0' >"$tmp/old.out"
grep -c "HTTP/1" "$tmp/old.out" >/dev/null && fail "TLS 1.1 was accepted: $(cat "$tmp/old.out")"

exec 3<>"/dev/tcp/127.0.0.1/$port"
# In a subshell: the server may already have closed, and a SIGPIPE must not end this script.
(printf 'GET /healthz HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3) 2>/dev/null
timeout 10 cat <&3 >"$tmp/plain.out"
exec 3<&-
grep -c "HTTP/1" "$tmp/plain.out" >/dev/null && fail "plain HTTP answered on the TLS port: $(cat "$tmp/plain.out")"

# The server is still up after the refused attempts.
https_get /readyz >"$tmp/ready.out"
head -n 1 "$tmp/ready.out" | grep -c " 200" >/dev/null || fail "/readyz after refusals: $(cat "$tmp/ready.out")"

echo "$failures failed"
[ "$failures" -eq 0 ]
