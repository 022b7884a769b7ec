#!/usr/bin/env bash
# The executables as a user meets them: bad flags, bad config, missing data dir and a port in
# use all give one line that says what to do, exit code 2, and change nothing.
set -uo pipefail
bin=$1
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$tmp"; }
trap cleanup EXIT
failures=0

# expect CODE PATTERN -- COMMAND...: exit code CODE, stderr one line matching PATTERN.
expect() {
  local code=$1 pattern=$2; shift 3
  "$@" >"$tmp/out" 2>"$tmp/err"
  local got=$?
  local lines
  lines=$(wc -l <"$tmp/err")
  if [ "$got" -ne "$code" ] || ! grep -qE -- "$pattern" "$tmp/err" || [ "$lines" -ne 1 ]; then
    echo "FAIL: $* -> exit $got (want $code), stderr ($lines lines):"; cat "$tmp/err"
    failures=$((failures + 1))
  else
    echo "ok: $* -> $got: $(cat "$tmp/err")"
  fi
}

expect 2 "unknown option '--bogus'" -- "$bin/vanthu" --bogus
expect 2 "unknown command 'frobnicate'" -- "$bin/vanthu" frobnicate
expect 2 "needs --dir" -- "$bin/vanthu" demo init
expect 2 "unknown option '--dri'" -- "$bin/vanthu" demo init --dri x
expect 2 "unknown option '--prot'" -- "$bin/vanthu-server" --prot 1
expect 2 "does not exist.*vanthu demo init" -- "$bin/vanthu-server" --data "$tmp/missing"
mkdir -p "$tmp/data"
expect 2 "invalid server.port 'abc' \(from --port\)" -- "$bin/vanthu-server" --data "$tmp/data" --port abc
expect 2 "invalid server.port '99999' \(from VANTHU_PORT\)" -- env VANTHU_PORT=99999 "$bin/vanthu-server" --data "$tmp/data"
printf 'server.port = 8080\nthis line is broken\n' >"$tmp/bad.properties"
expect 2 "bad.properties:2: expected 'key = value'" -- "$bin/vanthu-server" --data "$tmp/data" --config "$tmp/bad.properties"
printf '\x89PNG\r\n\x1a\n\0\0\0' >"$tmp/data/vanthu.properties"
expect 2 "vanthu.properties:1: not a text line" -- "$bin/vanthu-server" --data "$tmp/data"
rm "$tmp/data/vanthu.properties"
touch "$tmp/not-a-dir"
expect 2 "is not a directory" -- "$bin/vanthu-server" --data "$tmp/not-a-dir"
expect 4 "unknown option '--bogus'" -- "$bin/vanthu-verify" --bogus
expect 4 "no PDF given" -- "$bin/vanthu-verify"
expect 4 "cannot read" -- "$bin/vanthu-verify" --trust "$tmp/missing.pem" "$tmp/any.pdf"
expect 4 "not an ISO 8601 time" -- "$bin/vanthu-verify" --at yesterday "$tmp/any.pdf"
expect 3 "not_found|could not be read" -- "$bin/vanthu-verify" "$tmp/any.pdf"

# A port in use: start one server on a free port, then a second on the same port.
"$bin/vanthu-server" --data "$tmp/data" --port 0 --log-level error >"$tmp/first.out" 2>&1 &
pids+=($!)
port=""
for _ in $(seq 1 100); do
  port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$tmp/first.out")
  [ -n "$port" ] && break
  sleep 0.1
done
if [ -z "$port" ]; then
  echo "FAIL: the first server did not start:"; cat "$tmp/first.out"; failures=$((failures + 1))
else
  mkdir -p "$tmp/data2"
  expect 2 "port $port on 127.0.0.1 is already in use.*--port" -- "$bin/vanthu-server" --data "$tmp/data2" --port "$port" --log-level error
fi

# demo init refuses a directory that holds something else, and leaves it untouched.
mkdir -p "$tmp/precious" && echo "keep me" >"$tmp/precious/notes.txt"
expect 2 "is not a vanthu demo directory" -- "$bin/vanthu" demo init --dir "$tmp/precious" --quiet
if [ "$(ls -A "$tmp/precious")" != "notes.txt" ] || [ "$(cat "$tmp/precious/notes.txt")" != "keep me" ]; then
  echo "FAIL: demo init changed a directory it refused"; failures=$((failures + 1))
fi
# A target whose parent is a file cannot be created: exit 1, nothing left behind.
expect 1 "demo init failed" -- "$bin/vanthu" demo init --dir "$tmp/not-a-dir/demo" --quiet
if ls -a "$tmp" | grep -q '\.tmp-'; then
  echo "FAIL: demo init left a temporary directory"; failures=$((failures + 1))
fi

echo "$failures failed"
[ "$failures" -eq 0 ]
