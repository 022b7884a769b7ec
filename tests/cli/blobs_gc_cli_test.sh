#!/usr/bin/env bash
# 'vanthu blobs gc': an unreferenced blob older than --min-age goes; the blobs the document
# versions refer to (and their parent chains) and a young unreferenced one stay; it refuses to
# collect against a missing database (which would refer to nothing).
# Usage: blobs_gc_cli_test.sh BIN_DIR
set -uo pipefail
bin=$1
writer=$bin/vanthu-crash-writer
unset VANTHU_DATA VANTHU_DATABASE_URL VANTHU_CONFIG
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"

put() { "$writer" --put "$data" "$1" | cut -d' ' -f2; }
record() { echo "$data/blobs/${1:0:2}/${1:2:2}/$1.meta"; }

data=$tmp/data
# Documents whose versions refer to blobs (some stored as parent + tail).
(timeout -s KILL 1.5 "$writer" "$data" >"$tmp/acks" 2>"$tmp/writer.err") 2>/dev/null
check "the writer stored versions" "grep -q '^version ' '$tmp/acks'"
printf 'an abandoned upload' >"$tmp/old.pdf"
printf 'an upload under way' >"$tmp/young.pdf"
old=$(put "$tmp/old.pdf")
young=$(put "$tmp/young.pdf")
touch -d '2 hours ago' "$(record "$old")" "$data/blobs/${old:0:2}/${old:2:2}/$old"
stored=$(find "$data/blobs" -name '*.meta' | wc -l)

expect 0 "blobs collected: 1 version\(s\) removed" -- "$bin/vanthu" blobs gc --data "$data"
check "it named the removed blob" "grep -q '^removed $old$' '$tmp/out'"
check "the old unreferenced blob is gone" "[ ! -e '$(record "$old")' ]"
check "the young unreferenced blob stays" "[ -e '$(record "$young")' ]"
check "every other blob stays ($stored before)" \
  "[ \$(find '$data/blobs' -name '*.meta' | wc -l) -eq $((stored - 1)) ]"
"$writer" --check "$data" "$tmp/acks" >"$tmp/check.out" 2>&1
st=$?
check "every acknowledged version still reads back: $(tail -n 1 "$tmp/check.out")" "[ $st -eq 0 ]"

expect 2 "invalid --min-age '6x'" -- "$bin/vanthu" blobs gc --data "$data" --min-age 6x
expect 2 "unknown subcommand 'blobs frob'" -- "$bin/vanthu" blobs frob
mkdir -p "$tmp/empty/blobs"
expect 2 "no database at .*refusing" -- "$bin/vanthu" blobs gc --data "$tmp/empty"
expect 0 "usage: vanthu blobs gc" -- "$bin/vanthu" blobs --help

if [ "$failures" -ne 0 ]; then echo "$failures failure(s)"; exit 1; fi
echo "all blobs gc checks passed"
