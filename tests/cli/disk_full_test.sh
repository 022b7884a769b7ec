#!/usr/bin/env bash
# Disk full (issue "Durability and bad input"): the data directory runs out of space on a small
# tmpfs while vanthu-crash-writer (tests/storage/crash_writer.cpp) stores documents, blobs,
# versions and audit entries. The write that does not fit must fail with a message naming the
# path and "No space left on device"; nothing half-written may be visible as a blob; every write
# acknowledged before it must be there and the audit log must still verify; once space is freed
# the same put succeeds.
#   A. only the blob store is full (a tmpfs mounted on DATA/blobs): the failing write is a blob
#      put, deterministically.
#   B. the whole data directory (SQLite included) is on the tmpfs: whichever write fails first.
# Needs root (mount); otherwise it says why and exits 77 (ctest: skipped).
# Usage: disk_full_test.sh BIN_DIR
set -uo pipefail
bin=$1
writer=$bin/vanthu-crash-writer
unset VANTHU_DATA VANTHU_DATABASE_URL VANTHU_CONFIG
tmp=$(mktemp -d)
mounts=()
cleanup() {
  for m in "${mounts[@]}"; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT
failures=0
ok() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
check() { if eval "$2"; then ok "$1"; else fail "$1"; fi; }

if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: mounting a small tmpfs needs root (running as $(id -un))"
  exit 77
fi
mkdir -p "$tmp/probe"
if ! mount -t tmpfs -o size=1m tmpfs "$tmp/probe" 2>"$tmp/mount.err"; then
  echo "SKIP: cannot mount a tmpfs here: $(cat "$tmp/mount.err")"
  exit 77
fi
umount "$tmp/probe"

# tiny_fs DIR SIZE: a tmpfs of SIZE on DIR, unmounted at exit.
tiny_fs() {
  mkdir -p "$1"
  mount -t tmpfs -o "size=$2,mode=0755" tmpfs "$1" || { echo "FAIL: mount $1"; exit 1; }
  mounts=("$1" "${mounts[@]}")
}

# fill DATA ACKS: runs the writer until it stops by itself (it never does unless a write fails).
fill() {
  timeout 300 "$writer" --seed 7 "$1" >"$2" 2>"$tmp/writer.err"
  echo $?
}

# No temporary left in tmp/, no data file without its record (a blob is visible once its record
# is), every record verifies (the judge reads every blob in the store back).
no_half_written() {
  local root=$1/blobs
  check "no temporary file left in $root/tmp" "[ -z \"\$(find '$root/tmp' -type f 2>/dev/null)\" ]"
  local orphans=0
  while IFS= read -r file; do
    [ -f "$file.meta" ] || { echo "  data file without a record: $file"; orphans=$((orphans + 1)); }
  done < <(find "$root" -regextype posix-extended -regex '.*/[0-9a-f]{64}' -type f)
  check "no blob data file without its record" "[ $orphans -eq 0 ]"
}

# ---- A. the blob store is full --------------------------------------------------------------
echo "== A: the blob store on a 4 MB tmpfs"
data=$tmp/a
mkdir -p "$data"
tiny_fs "$data/blobs" 4m
# A megabyte to give back later: "freeing space".
dd if=/dev/zero of="$data/blobs/filler" bs=1k count=1024 status=none
status=$(fill "$data" "$tmp/a.acks")
check "the writer stopped on a failed write (exit 1), not a timeout (exit $status)" "[ $status -eq 1 ]"
cat "$tmp/writer.err"
check "the error is a storage failure" "grep -q 'storage_failure' '$tmp/writer.err'"
check "the error says No space left on device" "grep -q 'No space left on device' '$tmp/writer.err'"
check "the error names the path in the blob store" "grep -q '$data/blobs' '$tmp/writer.err'"
blobs_before=$(grep -c '^blob ' "$tmp/a.acks")
check "blobs were stored before the disk filled ($blobs_before)" "[ $blobs_before -ge 5 ]"
no_half_written "$data"
"$writer" --check "$data" "$tmp/a.acks" >"$tmp/check.out" 2>&1
st=$?
check "every acknowledged write is there and the audit log verifies: $(tail -n 2 "$tmp/check.out" | tr '\n' ' ')" \
  "[ $st -eq 0 ]"
"$bin/vanthu" audit verify --data "$data" >"$tmp/verify.out" 2>&1
st=$?
check "vanthu audit verify: $(cat "$tmp/verify.out")" "[ $st -eq 0 ]"

# The same put, before and after space is freed.
head -c 700000 /dev/urandom >"$tmp/scan.pdf"
want=$(sha256sum "$tmp/scan.pdf" | cut -d' ' -f1)
"$writer" --put "$data" "$tmp/scan.pdf" >"$tmp/put.out" 2>"$tmp/put.err"
status=$?
cat "$tmp/put.err"
check "a put into the full store fails (exit $status)" "[ $status -eq 1 ]"
check "... saying No space left on device and naming the store" \
  "grep -q 'No space left on device' '$tmp/put.err' && grep -q '$data/blobs' '$tmp/put.err'"
check "... and leaves the blob absent" "[ ! -e '$data/blobs/${want:0:2}/${want:2:2}/$want.meta' ]"
no_half_written "$data"
rm "$data/blobs/filler"
"$writer" --put "$data" "$tmp/scan.pdf" >"$tmp/put.out" 2>"$tmp/put.err"
check "after freeing space the same put succeeds: $(cat "$tmp/put.out" "$tmp/put.err")" \
  "grep -q '^blob $want 700000$' '$tmp/put.out'"
"$writer" --check "$data" "$tmp/a.acks" >"$tmp/check.out" 2>&1
st=$?
check "everything still checks afterwards: $(tail -n 1 "$tmp/check.out")" "[ $st -eq 0 ]"

# ---- B. the whole data directory is full ----------------------------------------------------
echo "== B: the data directory (SQLite and blobs) on a 4 MB tmpfs"
data=$tmp/b
tiny_fs "$data" 4m
dd if=/dev/zero of="$data/filler" bs=1k count=1024 status=none
status=$(fill "$data" "$tmp/b.acks")
check "the writer stopped on a failed write (exit 1), not a timeout (exit $status)" "[ $status -eq 1 ]"
cat "$tmp/writer.err"
check "the error says the disk is full" \
  "grep -Eq 'No space left on device|database or disk is full' '$tmp/writer.err'"
check "the error names the database or the blob store" \
  "grep -Eq '$data/(vanthu\.db|blobs)' '$tmp/writer.err'"
versions=$(grep -c '^version ' "$tmp/b.acks")
rows=$(sqlite3 "$data/vanthu.db" 'SELECT count(*) FROM document_versions' 2>&1)
check "the database holds every acknowledged version ($versions acknowledged, $rows rows)" \
  "[ '$rows' -ge '$versions' ] && [ $versions -ge 3 ]"
no_half_written "$data"
"$writer" --check "$data" "$tmp/b.acks" >"$tmp/check.out" 2>&1
st=$?
check "every acknowledged write is there and the audit log verifies: $(tail -n 2 "$tmp/check.out" | tr '\n' ' ')" \
  "[ $st -eq 0 ]"
"$bin/vanthu" audit verify --data "$data" >"$tmp/verify.out" 2>&1
st=$?
check "vanthu audit verify: $(cat "$tmp/verify.out")" "[ $st -eq 0 ]"
# Space freed: the writer carries on where it stopped (killed after a second, as in the crash
# test), and everything from both runs checks.
rm "$data/filler"
(timeout -s KILL 2 "$writer" --seed 8 "$data" >"$tmp/b2.acks" 2>"$tmp/writer.err") 2>/dev/null
check "after freeing space writes succeed again ($(grep -c '^version ' "$tmp/b2.acks") versions)" \
  "[ \$(grep -c '^version ' '$tmp/b2.acks') -ge 1 ]"
cat "$tmp/b.acks" "$tmp/b2.acks" >"$tmp/b-all.acks"
"$writer" --check "$data" "$tmp/b-all.acks" >"$tmp/check.out" 2>&1
st=$?
check "both runs check: $(tail -n 1 "$tmp/check.out")" "[ $st -eq 0 ]"

if [ "$failures" -ne 0 ]; then echo "$failures failure(s)"; exit 1; fi
echo "all disk-full checks passed"
