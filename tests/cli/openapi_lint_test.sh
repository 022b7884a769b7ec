#!/usr/bin/env bash
# api.openapi_lint: the document a running vanthu-server serves at /api/v1/openapi.json passes
# Redocly's recommended ruleset (tools/openapi-lint, installed by script/bootstrap). Errors fail;
# warnings are printed. The linter is first shown a broken document, so a linter that accepts
# anything cannot pass this test.
set -uo pipefail
bin=$1
source_dir=$(cd "$(dirname "$0")/../.." && pwd)
lint_dir=$source_dir/tools/openapi-lint
tmp=$(mktemp -d)
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

redocly=$lint_dir/node_modules/.bin/redocly
if [ ! -x "$redocly" ]; then
  echo "FAIL: $redocly is missing: run script/bootstrap (npm ci --prefix tools/openapi-lint)"
  exit 1
fi
lint() {
  REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NO_COLOR=1 \
    timeout 120 "$redocly" lint --config "$lint_dir/redocly.yaml" --format stylish "$1" 2>&1
}

mkdir "$tmp/data"
"$bin/vanthu-server" --data "$tmp/data" --port 0 >"$tmp/server.out" 2>"$tmp/server.log" &
server_pid=$!
port=""
for _ in $(seq 1 100); do
  port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$tmp/server.out")
  [ -n "$port" ] && break
  sleep 0.1
done
if [ -z "$port" ]; then
  echo "FAIL: server did not start: $(cat "$tmp/server.out" "$tmp/server.log")"
  exit 1
fi
if ! curl -sSf -o "$tmp/openapi.json" "http://127.0.0.1:$port/api/v1/openapi.json"; then
  echo "FAIL: GET /api/v1/openapi.json"
  exit 1
fi

jq 'del(.info) | .paths["/healthz"].get.responses = {}' "$tmp/openapi.json" >"$tmp/broken.json"
if lint "$tmp/broken.json" >"$tmp/broken.out"; then
  echo "FAIL: the linter accepted a document without info and with an operation without responses:"
  cat "$tmp/broken.out"
  exit 1
fi
echo "ok: the linter refuses a broken document"

lint "$tmp/openapi.json" >"$tmp/lint.out"
status=$?
grep -v '[═║]' "$tmp/lint.out"
if [ "$status" -ne 0 ]; then
  echo "FAIL: redocly lint found errors in /api/v1/openapi.json (exit $status)"
  exit 1
fi
echo "ok: /api/v1/openapi.json passes redocly lint (recommended)"
