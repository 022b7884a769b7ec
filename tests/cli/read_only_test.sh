#!/usr/bin/env bash
# A read-only data directory (issue "Durability and bad input"). Root is not stopped by file
# modes, so the directory is a tmpfs remounted read-only. vanthu-server must refuse to start,
# naming the directory and the reason, exit 2 and change nothing; a blob put fails naming the
# path; reading (vanthu audit verify, vanthu backup to a writable place) still works.
# Needs root (mount); otherwise it says why and exits 77 (ctest: skipped).
# Usage: read_only_test.sh BIN_DIR
set -uo pipefail
bin=$1
export VANTHU_DEMO_PASSWORD=${VANTHU_DEMO_PASSWORD:-demo-test-password}
unset VANTHU_DATA VANTHU_DATABASE_URL VANTHU_CONFIG
tmp=$(mktemp -d)
mounted=""
cleanup() {
  [ -n "$mounted" ] && { umount "$mounted" 2>/dev/null || umount -l "$mounted"; }
  rm -rf "$tmp"
}
trap cleanup EXIT
failures=0
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"


if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: a read-only mount needs root (running as $(id -un))"
  exit 77
fi
mkdir -p "$tmp/ro"
if ! mount -t tmpfs -o size=64m,mode=0755 tmpfs "$tmp/ro" 2>"$tmp/mount.err"; then
  echo "SKIP: cannot mount a tmpfs here: $(cat "$tmp/mount.err")"
  exit 77
fi
mounted=$tmp/ro
data=$tmp/ro/data

"$bin/vanthu" demo init --dir "$data" --quiet >/dev/null 2>"$tmp/init.err" \
  || { echo "FAIL: demo init"; cat "$tmp/init.err"; exit 1; }
mkdir -m 700 "$data/keys"
(umask 077 && openssl genpkey -algorithm ed25519 -out "$data/keys/audit-instance.pem") \
  || { echo "FAIL: openssl genpkey"; exit 1; }
# Documents, versions, blobs and audit entries with checkpoints (the crash test's writer, stopped
# after half a second); 'audit verify' then closes the database cleanly, so no write-ahead
# log is left beside it (SQLite cannot make its index on a read-only mount).
(timeout -s KILL 0.5 "$bin/vanthu-crash-writer" "$data" >/dev/null 2>"$tmp/writer.err") 2>/dev/null
printf 'a scanned letter' >"$tmp/letter.pdf"
"$bin/vanthu-crash-writer" --put "$data" "$tmp/letter.pdf" >/dev/null \
  || { echo "FAIL: a put into the writable store"; exit 1; }
expect 0 "audit log verified: [1-9][0-9]* entries" -- "$bin/vanthu" audit verify --data "$data"
check "no write-ahead log is left" "[ ! -e '$data/vanthu.db-wal' ]"

mount -o remount,ro "$tmp/ro" || { echo "FAIL: remount read-only"; exit 1; }
check "the data directory is read-only even for root" "! touch '$data/probe' 2>/dev/null"
# shellcheck disable=SC2034  # read by check (eval)
before=$(cd "$data" && find . -exec stat -c '%n %s %Y' {} + | sort; find . -type f -exec sha256sum {} + | sort)

expect 2 "data directory '$data' cannot be written: Read-only file system" -- \
  "$bin/vanthu-server" --data "$data" --port 0
check "the server said what to do" "grep -q 'remount it read-write' '$tmp/err'"
expect 2 "cannot be written: Read-only file system" -- \
  env VANTHU_DATA="$data" "$bin/vanthu-server" --port 0

printf 'another letter' >"$tmp/other.pdf"
expect 1 "storage_failure.*$data/blobs.*Read-only file system" -- \
  "$bin/vanthu-crash-writer" --put "$data" "$tmp/other.pdf"

# Reading still works.
expect 0 "audit log verified: [1-9][0-9]* entries, [1-9][0-9]* checkpoints" -- \
  "$bin/vanthu" audit verify --data "$data"
expect 0 "^backup written to .* [1-9][0-9]* blobs" -- \
  "$bin/vanthu" backup --to "$tmp/backup" --data "$data"
expect 0 "audit log verified: [1-9][0-9]* entries" -- \
  "$bin/vanthu" restore --from "$tmp/backup" --data "$tmp/restored"

# shellcheck disable=SC2034  # read by check (eval)
after=$(cd "$data" && find . -exec stat -c '%n %s %Y' {} + | sort; find . -type f -exec sha256sum {} + | sort)
check "nothing in the data directory changed" "[ \"\$before\" = \"\$after\" ]"

if [ "$failures" -ne 0 ]; then echo "$failures failure(s)"; exit 1; fi
echo "all read-only checks passed"
