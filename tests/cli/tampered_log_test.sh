#!/usr/bin/env bash
# A tampered audit log, as an operator meets it (issue "Durability and bad input"): a row edited
# with the sqlite3 tool (its append-only trigger dropped first) is named by 'vanthu audit verify';
# vanthu-server refuses to start on it, naming the entry and audit.allow_broken; with
# VANTHU_AUDIT_ALLOW_BROKEN=true it starts, logs the break, and repairs nothing.
# Usage: tampered_log_test.sh BIN_DIR
set -uo pipefail
bin=$1
export VANTHU_DEMO_PASSWORD=${VANTHU_DEMO_PASSWORD:-demo-test-password}
unset VANTHU_DATA VANTHU_DATABASE_URL VANTHU_CONFIG VANTHU_AUDIT_ALLOW_BROKEN
tmp=$(mktemp -d)
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
failures=0
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"


data=$tmp/data
# Documents, versions and audit entries with signed checkpoints: the crash test's writer, stopped
# after a second and a half.
(timeout -s KILL 1.5 "$bin/vanthu-crash-writer" "$data" >/dev/null 2>"$tmp/writer.err") 2>/dev/null
entries=$(sqlite3 "$data/vanthu.db" 'SELECT count(*) FROM audit_entries')
[ "$entries" -ge 2 ] || { echo "FAIL: the writer wrote $entries audit entries; need 2"; cat "$tmp/writer.err"; exit 1; }
expect 0 "audit log verified" -- "$bin/vanthu" audit verify --data "$data"

# The trigger refuses the edit; whoever holds the file drops it first.
check "the append-only trigger refuses a plain UPDATE" \
  "! sqlite3 '$data/vanthu.db' \"UPDATE audit_entries SET actor = 'mallory' WHERE sequence = 1\" 2>/dev/null"
sqlite3 "$data/vanthu.db" "DROP TRIGGER audit_entries_no_update;
  UPDATE audit_entries SET actor = 'mallory' WHERE sequence = 1;" \
  || { echo "FAIL: editing the row with sqlite3"; exit 1; }
# shellcheck disable=SC2034  # read by check (eval)
before=$(sha256sum "$data/vanthu.db")

expect 1 "first broken entry 1" -- "$bin/vanthu" audit verify --data "$data"
expect 1 "audit log does not verify \(entry 1: .*audit.allow_broken" -- \
  "$bin/vanthu-server" --data "$data" --port 0
check "a refused start leaves the database as it was" "[ \"\$(sha256sum '$data/vanthu.db')\" = \"\$before\" ]"

VANTHU_AUDIT_ALLOW_BROKEN=true "$bin/vanthu-server" --data "$data" --port 0 \
  >"$tmp/server.out" 2>"$tmp/server.log" &
server_pid=$!
port=""
for _ in $(seq 1 100); do
  port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$tmp/server.out")
  [ -n "$port" ] && break
  sleep 0.1
done
check "with VANTHU_AUDIT_ALLOW_BROKEN=true the server starts: $(cat "$tmp/server.out" "$tmp/server.log" | head -c 600)" \
  "[ -n '$port' ]"
check "... and logs the break as an error naming the entry" \
  "grep -q '\"level\":\"error\".*audit log does not verify.*entry 1' '$tmp/server.log'"
kill -TERM "$server_pid"
wait "$server_pid"
status=$?
server_pid=""
check "... and stops cleanly (exit $status)" "[ $status -eq 0 ]"
check "the edited row is still there: history is not repaired" \
  "[ \"\$(sqlite3 '$data/vanthu.db' 'SELECT actor FROM audit_entries WHERE sequence = 1')\" = mallory ]"
expect 1 "first broken entry 1" -- "$bin/vanthu" audit verify --data "$data"

if [ "$failures" -ne 0 ]; then echo "$failures failure(s)"; exit 1; fi
echo "all tampered-log checks passed"
