#!/usr/bin/env bash
# docs.api_examples: every ```sh block of docs/API.md that follows an <!-- example --> line runs,
# in order, in one bash with `set -euo pipefail`, against vanthu-server on a fresh demo data
# directory. Variables carry from block to block; BASE and VANTHU_DEMO_PASSWORD are set here.
# A failing block fails the test, which prints its text and what it printed.
set -uo pipefail
bin=$1
source_dir=$(cd "$(dirname "$0")/../.." && pwd)
doc=${2:-$source_dir/docs/API.md}
tmp=$(mktemp -d)
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
export VANTHU_DEMO_PASSWORD=${VANTHU_DEMO_PASSWORD:-demo-test-password}

# Cuts the marked blocks of $1 into $2/block-N.sh, each starting with a comment naming its line.
extract_blocks() {
  awk -v out="$2" '
    /^<!-- example -->[[:space:]]*$/ { marked = 1; next }
    marked && /^```sh[[:space:]]*$/ { n++; file = sprintf("%s/block-%03d.sh", out, n);
                                      printf "# docs/API.md line %d\n", NR + 1 > file;
                                      inside = 1; marked = 0; next }
    inside && /^```[[:space:]]*$/ { inside = 0; close(file); next }
    inside { print > file; next }
    NF { marked = 0 }
  ' "$1"
}

# Runs the blocks of directory $1 in one shell from the scratch directory $2; on failure says
# which block and prints it. Returns the shell's status.
run_blocks() {
  local blocks=$1 work=$2 driver=$1/driver.sh
  {
    echo 'set -euo pipefail'
    for block in "$blocks"/block-*.sh; do
      echo "echo '$block' >'$blocks/current'"
      echo "source '$block'"
    done
    echo "echo done >'$blocks/current'"
  } >"$driver"
  (cd "$work" && BASE="http://127.0.0.1:$port" VANTHU_DATA="$tmp/var" timeout 120 bash "$driver" >"$blocks/output" 2>&1)
  local status=$?
  local current
  current=$(cat "$blocks/current" 2>/dev/null || echo "(none started)")
  if [ "$status" -ne 0 ] || [ "$current" != done ]; then
    echo "FAIL: an example exited $status; the block:"
    cat "$current" 2>/dev/null
    echo "--- its output (and the blocks' before it):"
    cat "$blocks/output"
    return 1
  fi
  return 0
}

"$bin/vanthu" demo init --dir "$tmp/var" --quiet >"$tmp/init.out" 2>&1 ||
  { echo "FAIL: demo init: $(cat "$tmp/init.out")"; exit 1; }
"$bin/vanthu-server" --data "$tmp/var" --port 0 >"$tmp/server.out" 2>"$tmp/server.log" &
server_pid=$!
port=""
for _ in $(seq 1 100); do
  port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$tmp/server.out")
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { echo "FAIL: server did not start: $(cat "$tmp/server.out" "$tmp/server.log")"; exit 1; }

# The runner itself: a block whose check fails must fail the run.
mkdir -p "$tmp/self/blocks" "$tmp/self/work"
printf '<!-- example -->\n```sh\nX=1\n```\n\n<!-- example -->\n```sh\necho "{}" | jq -e ".x == $X" >/dev/null\n```\n' \
  >"$tmp/self/doc.md"
extract_blocks "$tmp/self/doc.md" "$tmp/self/blocks"
if run_blocks "$tmp/self/blocks" "$tmp/self/work" >"$tmp/self/report"; then
  echo "FAIL: the runner passed a failing example"
  exit 1
fi
grep -c 'jq -e ".x == $X"' "$tmp/self/report" >/dev/null ||
  { echo "FAIL: the runner did not show the failing block:"; cat "$tmp/self/report"; exit 1; }
echo "ok: a failing example fails the run and is shown"

mkdir -p "$tmp/blocks" "$tmp/work"
extract_blocks "$doc" "$tmp/blocks"
count=$(find "$tmp/blocks" -name 'block-*.sh' | wc -l)
if [ "$count" -lt 7 ]; then
  echo "FAIL: only $count marked examples in $doc"
  exit 1
fi
run_blocks "$tmp/blocks" "$tmp/work" || exit 1
echo "ok: $count examples of $doc ran"
curl -sSf "http://127.0.0.1:$port/healthz" >/dev/null || { echo "FAIL: the server stopped answering"; exit 1; }
