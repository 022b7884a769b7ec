#!/usr/bin/env bash
# 'vanthu backup' and 'vanthu restore' as an operator meets them: a demo data directory is backed
# up and restored into a new directory whose audit log verifies; the refusals (a target that is
# not empty, a backup without its manifest, a damaged backup, a missing data directory, bad
# flags) exit 2 or 1 with a message that says what is wrong, and change nothing.
# Usage: backup_cli_test.sh BIN_DIR (VANTHU_DEMO_PASSWORD is set by ctest).
set -uo pipefail
bin=$1
export VANTHU_DEMO_PASSWORD=${VANTHU_DEMO_PASSWORD:-demo-test-password}
unset VANTHU_DATA VANTHU_DATABASE_URL VANTHU_CONFIG
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"


"$bin/vanthu" demo init --dir "$tmp/data" --quiet >/dev/null 2>"$tmp/init.err" \
  || { echo "FAIL: demo init"; cat "$tmp/init.err"; exit 1; }
# The instance key the server makes on first start (private: 0600 in a 0700 directory).
mkdir -m 700 "$tmp/data/keys"
(umask 077 && openssl genpkey -algorithm ed25519 -out "$tmp/data/keys/audit-instance.pem") \
  || { echo "FAIL: openssl genpkey"; exit 1; }
expect 0 "audit log verified" -- "$bin/vanthu" audit verify --data "$tmp/data"

# The round trip.
expect 0 "^backup written to .*sqlite database \(schema version [0-9]+\)" -- \
  "$bin/vanthu" backup --to "$tmp/backup" --data "$tmp/data"
check "the manifest is there and lists the database" \
  "grep -q ' database.sqlite$' '$tmp/backup/backup-manifest.txt'"
check "the backup keeps the private key's mode (0600)" \
  "[ \"\$(stat -c %a '$tmp/backup/keys/audit-instance.pem')\" = 600 ]"
check "the database snapshot is private (0600)" "[ \"\$(stat -c %a '$tmp/backup/database.sqlite')\" = 600 ]"
expect 0 "audit log verified: [0-9]+ entries" -- \
  "$bin/vanthu" restore --from "$tmp/backup" --data "$tmp/restored"
check "the restored directory has the database and the settings" \
  "[ -s '$tmp/restored/vanthu.db' ] && cmp -s '$tmp/data/vanthu.properties' '$tmp/restored/vanthu.properties'"
check "the restored key is the same and still 0600" \
  "cmp -s '$tmp/data/keys/audit-instance.pem' '$tmp/restored/keys/audit-instance.pem' && [ \"\$(stat -c %a '$tmp/restored/keys/audit-instance.pem')\" = 600 ]"
expect 0 "audit log verified" -- "$bin/vanthu" audit verify --data "$tmp/restored"
# The data directory is found through VANTHU_DATA, as the server finds it.
expect 0 "^backup written to" -- env VANTHU_DATA="$tmp/restored" "$bin/vanthu" backup --to "$tmp/backup2"

# Refusals.
expect 2 "backup target .* is not empty" -- "$bin/vanthu" backup --to "$tmp/backup" --data "$tmp/data"
check "a refused backup leaves the existing backup alone" "[ -f '$tmp/backup/backup-manifest.txt' ]"
expect 2 "inside the data directory" -- "$bin/vanthu" backup --to "$tmp/data/backups" --data "$tmp/data"
check "nothing is made inside the data directory" "[ ! -e '$tmp/data/backups' ]"
expect 2 "data directory '.*missing' does not exist" -- "$bin/vanthu" backup --to "$tmp/b3" --data "$tmp/missing"
expect 2 "give the backup directory: --to DIR" -- "$bin/vanthu" backup --data "$tmp/data"
expect 2 "unknown option '--too'" -- "$bin/vanthu" backup --too "$tmp/b3"
expect 2 "give the backup directory: --from DIR" -- "$bin/vanthu" restore --data "$tmp/r3"
expect 2 "data directory .* is not empty" -- "$bin/vanthu" restore --from "$tmp/backup" --data "$tmp/data"

cp -a "$tmp/backup" "$tmp/incomplete"
rm "$tmp/incomplete/backup-manifest.txt"
expect 2 "not a complete backup: it has no backup-manifest.txt" -- \
  "$bin/vanthu" restore --from "$tmp/incomplete" --data "$tmp/r4"
check "a refused restore creates nothing" "[ ! -e '$tmp/r4' ]"

cp -a "$tmp/backup" "$tmp/damaged"
chmod u+w "$tmp/damaged/database.sqlite"
printf 'XXXX' | dd of="$tmp/damaged/database.sqlite" bs=1 seek=2000 conv=notrunc status=none
expect 1 "storage_failure.*damaged/database.sqlite is damaged" -- \
  "$bin/vanthu" restore --from "$tmp/damaged" --data "$tmp/r5"
check "a damaged backup restores nothing" "[ ! -e '$tmp/r5' ]"

expect 0 "usage: vanthu backup --to DIR" -- "$bin/vanthu" backup --help
expect 0 "usage: vanthu restore --from DIR" -- "$bin/vanthu" restore --help

if [ "$failures" -ne 0 ]; then echo "$failures failure(s)"; exit 1; fi
echo "all backup CLI checks passed"
