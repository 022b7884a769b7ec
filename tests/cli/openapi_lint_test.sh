#!/usr/bin/env bash
# api.openapi_lint: the document a running vanthu-server serves at /api/v1/openapi.json passes
# Redocly's recommended ruleset (tools/openapi-lint, installed by script/bootstrap). Errors fail;
# warnings are printed. The linter is first shown a broken document, so a linter that accepts
# anything cannot pass this test. Then real answers of the server (on a demo data directory) are
# validated against the schemas the document gives them (openapi_response_check.py).
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

export VANTHU_DEMO_PASSWORD=${VANTHU_DEMO_PASSWORD:-demo-test-password}
"$bin/vanthu" demo init --dir "$tmp/data" --quiet >"$tmp/init.out" 2>&1 ||
  { echo "FAIL: demo init: $(cat "$tmp/init.out")"; exit 1; }
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

# The schemas tell the truth about the answers.
base=http://127.0.0.1:$port
a=$tmp/answers
mkdir "$a"
get() { curl -sS -o "$a/$1" "${@:2}"; }
get health.json "$base/healthz"
get ready.json "$base/readyz"
get login.json -X POST "$base/api/v1/auth/login" -H 'Content-Type: application/json' \
  -d "{\"username\":\"admin\",\"password\":\"$VANTHU_DEMO_PASSWORD\"}"
token=$(jq -r .token "$a/login.json")
get refreshed.json -X POST "$base/api/v1/auth/refresh" -H 'Content-Type: application/json' \
  -d "{\"refresh_token\":$(jq .refresh_token "$a/login.json")}"
get me-user.json "$base/api/v1/me" -H "Authorization: Bearer $token"
get token-created.json -X POST "$base/api/v1/auth/tokens" -H "Authorization: Bearer $token" \
  -H 'Content-Type: application/json' -d '{"name":"lint","scopes":["verify"]}'
get token-created-expiring.json -X POST "$base/api/v1/auth/tokens" \
  -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d '{"name":"lint","scopes":["exchange:inbox"],"expires_at":"2030-01-01T00:00:00Z"}'
curl -sS -o /dev/null -X DELETE "$base/api/v1/auth/tokens/$(jq -r .id "$a/token-created-expiring.json")" \
  -H "Authorization: Bearer $token"
get token-list.json "$base/api/v1/auth/tokens" -H "Authorization: Bearer $token"
get me-token.json "$base/api/v1/me" -H "Authorization: Bearer $(jq -r .token "$a/token-created.json")"
get problem-401.json "$base/api/v1/me"
get problem-404.json "$base/api/v1/nothing-here"
get problem-400.json -X POST "$base/api/v1/auth/login" -H 'Content-Type: application/json' -d '{'
if ! python3 "$source_dir/tests/cli/openapi_response_check.py" "$tmp/openapi.json" \
  Health="$a/health.json" Readiness="$a/ready.json" TokenResponse="$a/login.json" \
  TokenResponse="$a/refreshed.json" Me="$a/me-user.json" User="$a/me-user.json" \
  ApiTokenCreated="$a/token-created.json" ApiTokenCreated="$a/token-created-expiring.json" \
  ApiTokenList="$a/token-list.json" Me="$a/me-token.json" ApiTokenCaller="$a/me-token.json" \
  Problem="$a/problem-401.json" Problem="$a/problem-404.json" Problem="$a/problem-400.json" \
  OpenApiDocument="$tmp/openapi.json"; then
  echo "FAIL: answers that do not match their schemas in /api/v1/openapi.json"
  exit 1
fi
# A revoked token in the list: revoked_at is a time, not null.
jq -e '[.items[] | select(.revoked_at != null)] | length == 1' "$a/token-list.json" >/dev/null ||
  { echo "FAIL: the token list has no revoked token to check: $(cat "$a/token-list.json")"; exit 1; }
echo "ok: the server's answers match their schemas"
