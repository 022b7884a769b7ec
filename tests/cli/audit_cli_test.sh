#!/usr/bin/env bash
# 'vanthu audit checkpoint|timestamp|verify' with a real RFC 3161 TSA (`vanthu tsa` on loopback):
# a checkpoint is signed and time-stamped; checkpoints signed while the TSA was away are stamped
# later; verify checks every token (imprint, TSA signature, and with --tsa-trust its chain); a
# TSA that cannot be reached is an error that loses nothing; a token changed in the database
# with sqlite3 is named by verify.
# Usage: audit_cli_test.sh BIN_DIR (VANTHU_DEMO_PASSWORD is set by ctest).
set -uo pipefail
bin=$1
export VANTHU_DEMO_PASSWORD=${VANTHU_DEMO_PASSWORD:-demo-test-password}
export P12_PASSWORD=vanthu-demo-p12
unset VANTHU_DATA VANTHU_DATABASE_URL VANTHU_CONFIG
tmp=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$tmp"' EXIT
failures=0
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"


data=$tmp/data
"$bin/vanthu" demo init --dir "$data" --quiet >/dev/null 2>"$tmp/init.err" \
  || { echo "FAIL: demo init"; cat "$tmp/init.err"; exit 1; }
"$bin/vanthu" tsa --p12 "$data/pki/tsa/tsa.p12" --password-env P12_PASSWORD >"$tmp/tsa.out" 2>&1 &
pids+=($!)
tsa=""
for _ in $(seq 1 100); do
  tsa=$(sed -n 's|.*listening on \(http://[^ ]*\).*|\1|p' "$tmp/tsa.out" | head -n 1)
  [ -n "$tsa" ] && break
  sleep 0.1
done
[ -n "$tsa" ] || { echo "FAIL: vanthu tsa did not start: $(cat "$tmp/tsa.out")"; exit 1; }
roots=(--tsa-trust "$data/pki/roots/demo-national-root-ca.pem" --tsa-trust "$data/pki/roots/demo-public-root-ca.pem")

expect 0 "checkpoint at tree size [0-9]+ time-stamped at 20[0-9-]+T" -- \
  "$bin/vanthu" audit checkpoint --data "$data" --tsa "$tsa"
expect 0 "audit log verified: [0-9]+ entries, 1 checkpoints, 1 time-stamps" -- \
  "$bin/vanthu" audit verify --data "$data" "${roots[@]}"
expect 0 "give --tsa-trust" -- "$bin/vanthu" audit verify --data "$data"

# A TSA outage: the checkpoint is signed and kept; the stamp comes later.
expect 1 "vanthu audit: failed \(io_failure\)" -- \
  "$bin/vanthu" audit checkpoint --data "$data" --tsa "http://127.0.0.1:1/tsa"
expect 0 "2 checkpoints, 1 time-stamps" -- "$bin/vanthu" audit verify --data "$data" "${roots[@]}"
expect 0 "^1 checkpoint\(s\) time-stamped" -- "$bin/vanthu" audit timestamp --data "$data" --tsa "$tsa"
expect 0 "^0 checkpoint\(s\) time-stamped" -- "$bin/vanthu" audit timestamp --data "$data" --tsa "$tsa"
expect 0 "2 checkpoints, 2 time-stamps" -- "$bin/vanthu" audit verify --data "$data" "${roots[@]}"
expect 2 "timestamp needs --tsa URL" -- "$bin/vanthu" audit timestamp --data "$data"

# A root that did not issue the TSA's certificate: the tokens are not trusted.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=Other Root" \
  -keyout "$tmp/other.key" -out "$tmp/other.pem" -days 2 2>/dev/null
expect 1 "time-stamp token: NO_CERTIFICATE_CHAIN_FOUND" -- \
  "$bin/vanthu" audit verify --data "$data" --tsa-trust "$tmp/other.pem"

# A token changed with sqlite3 (the trigger has to go first): named, never repaired.
sqlite3 "$data/vanthu.db" "DROP TRIGGER audit_checkpoint_timestamps_no_update;
  UPDATE audit_checkpoint_timestamps SET token = substr(token, 1, 200) ||
    (CASE substr(token, 201, 1) WHEN '0' THEN '1' ELSE '0' END) || substr(token, 202) WHERE id = 1;" \
  || { echo "FAIL: sqlite3"; exit 1; }
expect 1 "audit log BROKEN: first broken checkpoint at tree size" -- \
  "$bin/vanthu" audit verify --data "$data" "${roots[@]}"
grep -q "time-stamp token" "$tmp/out" || { echo "FAIL: the problem does not name the token"; failures=$((failures + 1)); }

[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "all audit CLI checks passed"
