#!/usr/bin/env bash
# The incoming flow end to end over HTTP with the demo users and the demo PKI (DESIGN §2, incoming
# states and actions): the clerk of the province receives a PDF signed by another agency (the
# chairman of Phường Phú Diễn, with `vanthu sign`) and the verdict of its signatures shows; the
# clerk registers it (số đến 01), the leader assigns the Phòng Tổng hợp with the Phòng Kinh tế,
# the head of the Phòng Tổng hợp hands it to the specialist, who notes progress and completes it
# with a reply. A PDF altered after signing and an unsigned one are received too, each with its
# verdict; the second registration takes số đến 02; a refusal needs a reason.
set -uo pipefail
bin=$1
tmp=$(mktemp -d)
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }

for tool in curl jq; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed"; exit 77; }
done
here=$(cd "$(dirname "$0")" && pwd)
corpus=$here/../data/corpus

export VANTHU_DEMO_PASSWORD=${VANTHU_DEMO_PASSWORD:-demo-test-password}
export P12_PASSWORD=vanthu-demo-p12  # the demo PKI's PKCS#12 password (pki/README.md)
data=$tmp/var
"$bin/vanthu" demo init --dir "$data" --quiet >"$tmp/init.out" 2>&1 || { cat "$tmp/init.out"; exit 1; }

# What the other agency sends: its chairman's signature over the sample công văn.
"$bin/vanthu" sign --in "$data/samples/cong-van.pdf" --out "$tmp/signed.pdf" \
  --p12 "$data/pki/users/chutich.pdp.p12" --password-env P12_PASSWORD --reason "Ban hành" \
  >"$tmp/sign.out" 2>&1 || { echo "signing failed: $(cat "$tmp/sign.out")"; exit 1; }

"$bin/vanthu-server" --data "$data" --port 0 >"$tmp/server.out" 2>"$tmp/server.log" &
server_pid=$!
port=""
for _ in $(seq 1 150); do
  port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$tmp/server.out")
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { echo "server did not start: $(cat "$tmp/server.out" "$tmp/server.log")"; exit 1; }
base=http://127.0.0.1:$port

login() { # USERNAME -> token
  curl -sS -H 'Content-Type: application/json' \
    --data "{\"username\":\"$1\",\"password\":\"$VANTHU_DEMO_PASSWORD\"}" "$base/api/v1/auth/login" |
    jq -r .token
}
declare -A token
for user in chuyenvien truongphong chanhvanphong lanhdao vanthu vanthu.pdp; do
  token[$user]=$(login "$user")
  [ -n "${token[$user]}" ] && [ "${token[$user]}" != null ] || { echo "login $user failed"; exit 1; }
done

revision=""
act() { # USER DOCUMENT BODY -> HTTP status; the body in $tmp/act.json
  curl -sS -o "$tmp/act.json" -w '%{http_code}\n' -X POST "$base/api/v1/documents/$2/actions" \
    -H "Authorization: Bearer ${token[$1]}" -H 'Content-Type: application/json' \
    -H "If-Match: \"$revision\"" --data "$3"
}
step() { # USER DOCUMENT BODY WANTED_STATUS WANTED_EXCHANGE_CODE
  local code got
  code=$(act "$1" "$2" "$3")
  got=$(jq -r '(.document.status // .code) + " " + (.exchange_status // "")' "$tmp/act.json")
  if [ "$code" = 200 ] && [ "$got" = "$4 $5" ]; then
    revision=$(jq -r .document.revision "$tmp/act.json")
    ok "$1 $(jq -r .act.action "$tmp/act.json") -> $4 ($5)"
  else
    fail "$1 $3 -> HTTP $code: $(cat "$tmp/act.json")"
  fi
}
receive() { # PDF SUBJECT: sets doc and revision
  curl -sS -H "Authorization: Bearer ${token[vanthu]}" \
    -F "metadata={\"direction\":\"incoming\",\"document_type\":\"CV\",\"subject\":\"$2\"};type=application/json" \
    -F "file=@$1;type=application/pdf" "$base/api/v1/documents" >"$tmp/new.json"
  revision=$(jq -r .revision "$tmp/new.json")
  doc=$(jq -r .id "$tmp/new.json")
  [ -n "$doc" ] && [ "$doc" != null ] || fail "receiving $1: $(cat "$tmp/new.json")"
}
incoming() { # USER DOCUMENT -> the incoming state in $tmp/incoming.json
  curl -sS -o "$tmp/incoming.json" -w '%{http_code}\n' -H "Authorization: Bearer ${token[$1]}" \
    "$base/api/v1/documents/$2/incoming"
}
field() { jq -r "$1" "$tmp/incoming.json"; }

# --- A signed công văn from another agency, the whole path ---------------------------------------
receive "$tmp/signed.pdf" "Công văn về việc báo cáo kết quả cải cách hành chính"
first=$doc
incoming vanthu "$doc" >/dev/null
[ "$(field .status) $(field .exchange_status)" = "received 01" ] && ok "received (01)" || fail "received: $(cat "$tmp/incoming.json")"
[ "$(field .verification_verdict)" = TOTAL_PASSED ] &&
  ok "the sender's signature verified on arrival: TOTAL_PASSED" || fail "verdict: $(field .verification_verdict)"
signer=$(field '.verification_report.signatures[0].signer.subject')
grep -q "Bùi Văn Nam" <<<"$signer" && ok "the report names the signer" || fail "signer: $signer"
code=$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer ${token[vanthu.pdp]}" "$base/api/v1/documents/$doc/incoming")
[ "$code" = 404 ] && ok "another organisation: 404" || fail "another organisation reads it: $code"

code=$(act chuyenvien "$doc" '{"action":"register"}')
[ "$code" = 403 ] && ok "a specialist registering: 403" || fail "specialist register -> $code"
step vanthu "$doc" '{"action":"register"}' registered 03
incoming vanthu "$doc" >/dev/null
[ "$(field .number) $(field .notation)" = "1 01" ] && ok "số đến 01" || fail "number: $(cat "$tmp/incoming.json")"

code=$(act truongphong "$doc" '{"action":"assign","lead_unit_id":"ubnd-tinh-th"}')
[ "$code" = 403 ] && ok "a department head assigning: 403" || fail "head assign -> $code"
step lanhdao "$doc" '{"action":"assign","lead_unit_id":"ubnd-tinh-th","supporting_unit_ids":["ubnd-tinh-kt"],"due_date":"2099-12-31","instruction":"Giao Phòng Tổng hợp chủ trì tham mưu"}' assigned 04
step truongphong "$doc" '{"action":"assign_specialist","specialist_id":"user-chuyenvien"}' in_progress 05
step chuyenvien "$doc" '{"action":"note","text":"Đã tổng hợp số liệu"}' in_progress 05

# The reply: an outgoing draft of the specialist.
curl -sS -H "Authorization: Bearer ${token[chuyenvien]}" \
  -F "metadata={\"direction\":\"outgoing\",\"document_type\":\"CV\",\"subject\":\"Trả lời công văn\"};type=application/json" \
  -F "file=@$data/samples/cong-van.pdf;type=application/pdf" "$base/api/v1/documents" >"$tmp/reply.json"
reply=$(jq -r .id "$tmp/reply.json")
step chuyenvien "$doc" "{\"action\":\"complete\",\"result\":\"Đã trả lời\",\"reply_document_id\":\"$reply\"}" completed 06
incoming lanhdao "$doc" >/dev/null
[ "$(field .status) $(field .reply_document_id) $(field .specialist_id)" = "completed $reply user-chuyenvien" ] &&
  ok "completed with the reply linked" || fail "completed: $(cat "$tmp/incoming.json")"
[ "$(field .lead_unit_id) $(field '.supporting_unit_ids | join(",")') $(field .due_date)" = "ubnd-tinh-th ubnd-tinh-kt 2099-12-31" ] &&
  ok "lead and supporting units, due date" || fail "assignment: $(cat "$tmp/incoming.json")"
actions=$(curl -sS -H "Authorization: Bearer ${token[lanhdao]}" "$base/api/v1/documents/$doc/acts" | jq -r '[.items[].action] | join(" ")')
[ "$actions" = "receive register assign assign_specialist note_progress complete" ] &&
  ok "timeline: $actions" || fail "timeline: $actions"

# --- A PDF altered after its signature, an unsigned one ------------------------------------------
receive "$corpus/attacks/dss_modified_after_signature.pdf" "Công văn bị sửa sau khi ký"
incoming vanthu "$doc" >/dev/null
[ "$(field .verification_verdict)" = TOTAL_FAILED ] && ok "an altered PDF: TOTAL_FAILED" || fail "altered: $(field .verification_verdict)"
# The clerk refuses it, with a reason.
code=$(act vanthu "$doc" '{"action":"refuse"}')
[ "$code" = 400 ] && ok "a refusal without a reason: 400" || fail "refuse without reason -> $code"
step vanthu "$doc" '{"action":"refuse","reason":"Chữ ký số không hợp lệ"}' refused 02

receive "$data/samples/ke-hoach.pdf" "Kế hoạch gửi bản giấy"
incoming vanthu "$doc" >/dev/null
[ "$(field .verification_verdict) $(field '.verification_report.signatures | length')" = "INDETERMINATE 0" ] &&
  ok "an unsigned PDF: INDETERMINATE, no signatures" || fail "unsigned: $(cat "$tmp/incoming.json")"
revision=$((revision + 5))
code=$(act vanthu "$doc" '{"action":"register"}')
[ "$code" = 412 ] && ok "a stale If-Match: 412" || fail "stale If-Match -> $code"
revision=$(curl -sS -H "Authorization: Bearer ${token[vanthu]}" "$base/api/v1/documents/$doc" | jq -r .revision)
step vanthu "$doc" '{"action":"register"}' registered 03
incoming vanthu "$doc" >/dev/null
[ "$(field .notation)" = 02 ] && ok "the next registration: số đến 02" || fail "second number: $(field .notation)"
# Overdue: assigned with a due date in the past.
step lanhdao "$doc" '{"action":"assign","lead_unit_id":"ubnd-tinh-th","due_date":"2020-01-06"}' assigned 04
incoming truongphong "$doc" >/dev/null
[ "$(field .deadline_status)" = overdue ] && ok "a past due date: overdue" || fail "deadline: $(field .deadline_status)"

count=$(sqlite3 "$data/vanthu.db" "SELECT COUNT(*) FROM audit_entries WHERE document_id = '$first'" 2>/dev/null || echo "")
if [ -n "$count" ]; then
  [ "$count" = 7 ] && ok "one audit entry per act, after the creation's" || fail "audit entries: $count"
fi

[ "$failures" = 0 ] && echo "all incoming flow checks passed" || { echo "$failures failure(s)"; exit 1; }
