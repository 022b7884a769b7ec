#!/usr/bin/env bash
# Two agencies on two vanthu-server instances over loopback (issue 8, "Real components"): the
# province (UBND tỉnh Thái Nguyên, 000.00.00.H55) and the commune (UBND xã Đại Từ, 000.00.22.H55),
# each with its own data directory, database, demo PKI and keys. Each trusts the other's root
# CA and holds an API token (scope exchange:inbox) the other made for it.
#
#  1. The province issues a decision to the commune: the package reaches the commune's inbox,
#     enters its incoming flow with the signatures verified, and every move there (registered,
#     assigned, in progress, completed) comes back to the province's per-recipient timeline.
#  2. Recalls: a completed document is refused back (16); a registered one is taken back (15)
#     and can no longer be handled at the commune.
#  3. The commune's server is down while a document is issued: the outbox retries with back-off,
#     survives a restart of the province's server, and delivers when the commune is back.
#  4. The same package delivered twice: processed once.
#  5. Refusals: a package addressed to another agency, a tampered PDF (quarantined, status 02
#     back), a status message about a document never sent, no token.
set -uo pipefail
bin=$1
tmp=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }

for tool in curl jq sqlite3 python3; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed"; exit 77; }
done

export VANTHU_DEMO_PASSWORD=${VANTHU_DEMO_PASSWORD:-demo-test-password}
p12_password=vanthu-demo-p12
province_code=000.00.00.H55
commune_code=000.00.22.H55

for side in province commune; do
  "$bin/vanthu" demo init --dir "$tmp/$side" --quiet >"$tmp/init-$side.out" 2>&1 ||
    { cat "$tmp/init-$side.out"; exit 1; }
done
# Each agency trusts the other's national root (in the field: the same national root CA).
cp "$tmp/province/pki/roots/demo-national-root-ca.pem" "$tmp/commune/pki/roots/province-root-ca.pem"
cp "$tmp/commune/pki/roots/demo-national-root-ca.pem" "$tmp/province/pki/roots/commune-root-ca.pem"
# The commune serves HTTPS with its demo localhost certificate: the province's sender checks it
# against the commune's root (given with `exchange peer --ca-file`), as curl does here.
cat "$tmp/province/pki/roots/demo-national-root-ca.pem" "$tmp/commune/pki/roots/demo-national-root-ca.pem" >"$tmp/roots.pem"
export CURL_CA_BUNDLE=$tmp/roots.pem

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
declare -A port base pid
port[province]=$(free_port)
port[commune]=$(free_port)
base[province]=http://127.0.0.1:${port[province]}
base[commune]=https://localhost:${port[commune]}

start() { # SIDE: starts its server and waits until it answers
  local side=$1 tls=()
  [ "$side" = commune ] && tls=(VANTHU_TLS_CERTIFICATE="$tmp/commune/pki/tls/localhost.pem"
    VANTHU_TLS_KEY="$tmp/commune/pki/tls/localhost.key")
  env "${tls[@]}" VANTHU_EXCHANGE_POLL_INTERVAL=1 VANTHU_EXCHANGE_RETRY=1 VANTHU_EXCHANGE_RETRY_MAX=2 \
    "$bin/vanthu-server" --data "$tmp/$side" --port "${port[$side]}" \
    >>"$tmp/$side-server.out" 2>>"$tmp/$side-server.log" &
  pid[$side]=$!
  pids+=("${pid[$side]}")
  for _ in $(seq 1 150); do
    curl -fsS "${base[$side]}/healthz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "the $side server did not start: $(tail -n 20 "$tmp/$side-server.log")"
  exit 1
}
start province
start commune

declare -A token
login() { # SIDE USERNAME
  curl -sS -H 'Content-Type: application/json' \
    --data "{\"username\":\"$2\",\"password\":\"$VANTHU_DEMO_PASSWORD\"}" "${base[$1]}/api/v1/auth/login" |
    jq -r .token
}
for user in admin chuyenvien truongphong chanhvanphong lanhdao vanthu vanthu.stc; do
  token[$user]=$(login province "$user")
  [ -n "${token[$user]}" ] && [ "${token[$user]}" != null ] || { echo "login $user failed"; exit 1; }
done
for user in quantri.daitu vanthu.daitu chutich.daitu chanhvp.daitu congchuc.daitu; do
  token[$user]=$(login commune "$user")
  [ -n "${token[$user]}" ] && [ "${token[$user]}" != null ] || { echo "login $user failed"; exit 1; }
done

# Each side makes an inbox token for the other; each side points the other's code at it.
inbox_token() { # SIDE ADMIN -> the secret
  curl -sS -H "Authorization: Bearer ${token[$2]}" -H 'Content-Type: application/json' \
    --data '{"name":"exchange peer","scopes":["exchange:inbox"]}' "${base[$1]}/api/v1/auth/tokens" |
    jq -r .token
}
inbox_token commune quantri.daitu >"$tmp/token-for-province"
inbox_token province admin >"$tmp/token-for-commune"
grep -q '^vtk_' "$tmp/token-for-province" && grep -q '^vtk_' "$tmp/token-for-commune" ||
  { echo "no inbox tokens: $(cat "$tmp/token-for-province" "$tmp/token-for-commune")"; exit 1; }
"$bin/vanthu" exchange peer --data "$tmp/province" --code "$commune_code" \
  --endpoint "${base[commune]}" --token-file "$tmp/token-for-province" \
  --ca-file "$tmp/commune/pki/roots/demo-national-root-ca.pem" >"$tmp/peer.out" 2>&1 &&
  "$bin/vanthu" exchange peer --data "$tmp/commune" --code "$province_code" \
    --endpoint "${base[province]}" --token-file "$tmp/token-for-commune" >>"$tmp/peer.out" 2>&1 &&
  ok "peers set: $(tr '\n' ' ' <"$tmp/peer.out")" || { cat "$tmp/peer.out"; exit 1; }
"$bin/vanthu" exchange peers --data "$tmp/province" | grep -q "$commune_code.*${base[commune]}.*token" &&
  ! grep -q vtk_ <("$bin/vanthu" exchange peers --data "$tmp/province") &&
  ok "exchange peers lists the commune, without the secret" || fail "exchange peers: $("$bin/vanthu" exchange peers --data "$tmp/province")"

revision=""
act() { # SIDE USER DOCUMENT BODY -> HTTP status; the body in $tmp/act.json
  curl -sS -o "$tmp/act.json" -w '%{http_code}' -X POST "${base[$1]}/api/v1/documents/$3/actions" \
    -H "Authorization: Bearer ${token[$2]}" -H 'Content-Type: application/json' \
    -H "If-Match: \"$revision\"" --data "$4"
}
step() { # SIDE USER DOCUMENT BODY WANTED_STATUS
  local code got
  code=$(act "$1" "$2" "$3" "$4")
  got=$(jq -r '.document.status // .code' "$tmp/act.json")
  if [ "$code" = 200 ] && [ "$got" = "$5" ]; then
    revision=$(jq -r .document.revision "$tmp/act.json")
    ok "$1: $2 $(jq -r .act.action "$tmp/act.json") -> $5"
  else
    fail "$1: $2 $4 -> HTTP $code: $(cat "$tmp/act.json")"
  fi
}
revision_of() { # SIDE USER DOCUMENT
  revision=$(curl -sS -H "Authorization: Bearer ${token[$2]}" "${base[$1]}/api/v1/documents/$3" | jq -r .revision)
}

issue_to_commune() { # SUBJECT [MORE-RECIPIENTS] -> sets doc (the province's document id)
  curl -sS -H "Authorization: Bearer ${token[chuyenvien]}" \
    -F "metadata={\"direction\":\"outgoing\",\"document_type\":\"QĐ\",\"subject\":\"$1\"};type=application/json" \
    -F "file=@$tmp/province/samples/quyet-dinh.pdf;type=application/pdf" \
    "${base[province]}/api/v1/documents" >"$tmp/new.json"
  doc=$(jq -r .id "$tmp/new.json")
  revision=$(jq -r .revision "$tmp/new.json")
  local code
  code=$(curl -sS -o "$tmp/recipients.json" -w '%{http_code}' -X PUT \
    -H "Authorization: Bearer ${token[chuyenvien]}" -H 'Content-Type: application/json' \
    --data "{\"recipients\":[\"$commune_code\"${2:+,\"$2\"}]}" "${base[province]}/api/v1/documents/$doc/recipients")
  [ "$code" = 200 ] && [ "$(jq -r '.recipients[0].name' "$tmp/recipients.json")" = "Ủy ban nhân dân xã Đại Từ" ] &&
    ok "recipients set: $(jq -c '[.recipients[] | .code + " level " + (.level|tostring)]' "$tmp/recipients.json")" ||
    fail "recipients -> $code $(cat "$tmp/recipients.json")"
  revision_of province chuyenvien "$doc"
  step province chuyenvien "$doc" '{"action":"submit"}' review
  step province truongphong "$doc" '{"action":"approve"}' review
  step province chanhvanphong "$doc" '{"action":"approve"}' signing
  step province lanhdao "$doc" "{\"action\":\"sign\",\"key_id\":\"key-lanhdao\",\"password\":\"$p12_password\"}" signed
  step province vanthu "$doc" "{\"action\":\"issue\",\"key_id\":\"key-ubnd-tinh\",\"password\":\"$p12_password\"}" issued
}

tracking() { # DOCUMENT -> the province's line for the commune, as "code code ..."
  curl -sS -H "Authorization: Bearer ${token[vanthu]}" "${base[province]}/api/v1/documents/$1/exchange" >"$tmp/tracking.json"
  jq -r --arg c "$commune_code" '[.recipients[] | select(.code == $c) | .events[].status] | join(" ")' "$tmp/tracking.json"
}
wait_for_status() { # DOCUMENT CODE SECONDS: until the province's line for the commune has CODE
  local line=""
  for _ in $(seq 1 $(($3 * 5))); do
    line=$(tracking "$1")
    [[ " $line " == *" $2 "* ]] && { echo "$line"; return 0; }
    sleep 0.2
  done
  echo "$line"
  return 1
}
incoming_of() { # EDXML-SUBJECT -> the commune's incoming document id with that subject
  curl -sS -H "Authorization: Bearer ${token[vanthu.daitu]}" \
    "${base[commune]}/api/v1/documents?box=incoming&limit=100" |
    jq -r --arg s "$1" '[.items[] | select(.subject == $s) | .id] | first // empty'
}

# --- 1. Issued at the province, followed at the commune ------------------------------------------
subject1="Quyết định giao chỉ tiêu chuyển đổi số năm 2027 cho các xã"
# Also to the Department of Finance (000.00.02.H55), hosted on the province's own instance: the
# same inbox, in process.
issue_to_commune "$subject1" 000.00.02.H55
doc1=$doc
if line=$(wait_for_status "$doc1" 01 60); then
  [ "$line" = "queued sent 01" ] && ok "province: the commune's line reads '$line' (over HTTPS)" ||
    fail "the commune's line: '$line'"
else
  fail "no arrival at the province within 30 s: '$line' $(cat "$tmp/tracking.json")"
fi
stc_line=""
for _ in $(seq 1 200); do
  stc_line=$(jq -r '[.recipients[] | select(.code == "000.00.02.H55") | .events[].status] | join(" ")' \
    <(curl -sS -H "Authorization: Bearer ${token[vanthu]}" "${base[province]}/api/v1/documents/$doc1/exchange"))
  [[ "$stc_line" == *01* ]] && break
  sleep 0.2
done
[ "$stc_line" = "queued sent 01" ] && ok "the Department of Finance on the same instance: '$stc_line'" ||
  fail "local delivery: '$stc_line'"
curl -sS -H "Authorization: Bearer ${token[vanthu.stc]}" "${base[province]}/api/v1/documents?box=incoming" |
  jq -e --arg s "$subject1" '.items[] | select(.subject == $s)' >/dev/null &&
  ok "the Department's clerk finds it among its incoming documents" || fail "not in the Department's list"
sent_as=$(jq -r .sent_as "$tmp/tracking.json")
[[ "$sent_as" == "$province_code,"*"/QĐ-UBND" ]] && ok "sent as edXML DocumentId $sent_as" || fail "sent_as: $sent_as"
in1=$(incoming_of "$subject1")
[ -n "$in1" ] && ok "commune: the document is in its incoming list" || fail "commune incoming list: $(curl -sS -H "Authorization: Bearer ${token[vanthu.daitu]}" "${base[commune]}/api/v1/documents?box=incoming")"
curl -sS -H "Authorization: Bearer ${token[vanthu.daitu]}" "${base[commune]}/api/v1/documents/$in1/incoming" >"$tmp/incoming.json"
verdict=$(jq -r .verification_verdict "$tmp/incoming.json")
signatures=$(jq -r '[.verification_report.signatures[].indication] | join(",")' "$tmp/incoming.json")
[ "$verdict" = TOTAL_PASSED ] && [ "$signatures" = "TOTAL_PASSED,TOTAL_PASSED" ] &&
  ok "commune: both signatures (leader, organisation) verified on arrival: $verdict" ||
  fail "commune verification: $verdict [$signatures] $(jq -c .verification_report "$tmp/incoming.json" | head -c 600)"
curl -sS -H "Authorization: Bearer ${token[vanthu.daitu]}" "${base[commune]}/api/v1/documents/$in1/exchange" >"$tmp/origin.json"
[ "$(jq -r .origin.sender_code "$tmp/origin.json")" = "$province_code" ] &&
  [ "$(jq -r .origin.document_id "$tmp/origin.json")" = "$sent_as" ] &&
  ok "commune: the origin is $(jq -r '.origin.sender_name + " " + .origin.code_number + "/" + .origin.code_notation' "$tmp/origin.json")" ||
  fail "origin: $(cat "$tmp/origin.json")"
curl -sS -o "$tmp/received.pdf" -H "Authorization: Bearer ${token[vanthu.daitu]}" \
  "${base[commune]}/api/v1/documents/$in1/versions/1/content"
curl -sS -o "$tmp/issued.pdf" -H "Authorization: Bearer ${token[vanthu]}" \
  "${base[province]}/api/v1/documents/$doc1/versions/3/content"
cmp -s "$tmp/received.pdf" "$tmp/issued.pdf" && ok "the commune holds the issued PDF byte for byte" ||
  fail "the received PDF differs from the issued one"

revision_of commune vanthu.daitu "$in1"
step commune vanthu.daitu "$in1" '{"action":"register"}' registered
line=$(wait_for_status "$doc1" 03 40) && ok "province hears 03: $line" || fail "no 03: $line"
step commune chutich.daitu "$in1" '{"action":"assign","lead_unit_id":"dt-vp","instruction":"Văn phòng tham mưu thực hiện"}' assigned
line=$(wait_for_status "$doc1" 04 40) && ok "province hears 04: $line" || fail "no 04: $line"
step commune chanhvp.daitu "$in1" '{"action":"assign_specialist","specialist_id":"user-congchuc.daitu"}' in_progress
line=$(wait_for_status "$doc1" 05 40) && ok "province hears 05: $line" || fail "no 05: $line"
step commune congchuc.daitu "$in1" '{"action":"complete","result":"Đã triển khai đến các thôn"}' completed
line=$(wait_for_status "$doc1" 06 40) && ok "province hears 06: $line" || fail "no 06: $line"
jq -e --arg c "$commune_code" '.recipients[] | select(.code == $c) | .events[] |
  select(.status == "06" and .description == "Đã triển khai đến các thôn" and .staff == "Lò Văn Sơn")' \
  "$tmp/tracking.json" >/dev/null && ok "the 06 carries the result and who completed it" ||
  fail "06 details: $(cat "$tmp/tracking.json")"
[ "$(jq -r --arg c "$commune_code" '.recipients[] | select(.code == $c) | .status' "$tmp/tracking.json")" = 06 ] &&
  ok "the commune's current status at the province: 06" || fail "current status: $(cat "$tmp/tracking.json")"

# --- 2. Recalls ------------------------------------------------------------------------------------
revision_of province vanthu "$doc1"
step province vanthu "$doc1" '{"action":"recall","comment":"Thu hồi để sửa chỉ tiêu"}' recalled
line=$(wait_for_status "$doc1" 16 40) && ok "a completed document: the commune refuses the take-back (16): $line" ||
  fail "no 16: $line"

subject2="Quyết định điều chỉnh kế hoạch kiểm tra công tác văn thư"
issue_to_commune "$subject2"
doc2=$doc
wait_for_status "$doc2" 01 60 >/dev/null || fail "second document did not arrive: $(tracking "$doc2")"
in2=$(incoming_of "$subject2")
revision_of commune vanthu.daitu "$in2"
step commune vanthu.daitu "$in2" '{"action":"register"}' registered
wait_for_status "$doc2" 03 40 >/dev/null || fail "no 03 for the second document"
revision_of province vanthu "$doc2"
step province vanthu "$doc2" '{"action":"recall","comment":"Ban hành nhầm đối tượng"}' recalled
line=$(wait_for_status "$doc2" 15 40) && ok "a registered document: taken back (13 then 15): $line" || fail "no 15: $line"
revision_of commune chutich.daitu "$in2"
code=$(act commune chutich.daitu "$in2" '{"action":"assign","lead_unit_id":"dt-vp"}')
[ "$code" = 409 ] && grep -q "taken back" "$tmp/act.json" &&
  ok "commune: a taken-back document can no longer be assigned (409)" || fail "assign after recall -> $code $(cat "$tmp/act.json")"
[ "$(curl -sS -H "Authorization: Bearer ${token[vanthu.daitu]}" "${base[commune]}/api/v1/documents/$in2/exchange" | jq -r '.origin.recalled_at != null')" = true ] &&
  ok "commune: the origin shows when it was taken back" || fail "recalled_at not shown"

# --- 3. The commune is down while a document is issued -------------------------------------------
kill "${pid[commune]}"
wait "${pid[commune]}" 2>/dev/null
subject3="Công văn về việc rà soát hồ sơ lưu trữ"
issue_to_commune "$subject3"
doc3=$doc
attempts=0
for _ in $(seq 1 200); do
  curl -sS -H "Authorization: Bearer ${token[vanthu]}" "${base[province]}/api/v1/documents/$doc3/exchange" >"$tmp/down.json"
  attempts=$(jq -r '[.outbox[] | select(.kind == "document") | .attempts] | max // 0' "$tmp/down.json")
  [ "$attempts" -ge 2 ] && break
  sleep 0.2
done
state=$(jq -r '.outbox[] | select(.kind == "document") | .status + " / " + .last_error' "$tmp/down.json")
[ "$attempts" -ge 2 ] && [[ "$state" == pending* ]] &&
  ok "commune down: $attempts failed attempts, still pending ($state)" || fail "while down: $attempts $(cat "$tmp/down.json")"
# The province restarts too while the message waits: the outbox is in its database.
kill "${pid[province]}"
wait "${pid[province]}" 2>/dev/null
start province
start commune
line=$(wait_for_status "$doc3" 01 60) && ok "both restarted, the commune back: the outbox delivered ($line)" ||
  fail "not delivered after restart: $line"
[ -n "$(incoming_of "$subject3")" ] && ok "commune: the document that waited is in its list" || fail "third document missing at the commune"

# --- 4. The same package delivered twice ----------------------------------------------------------
count_before=$(curl -sS -H "Authorization: Bearer ${token[vanthu.daitu]}" "${base[commune]}/api/v1/documents?box=incoming&limit=100" | jq '.items | length')
outbox_id=$(jq -r '.outbox[] | select(.kind == "document") | .id' <(curl -sS -H "Authorization: Bearer ${token[vanthu]}" "${base[province]}/api/v1/documents/$doc3/exchange"))
# As when the commune's answer was lost: the province has to send it again.
sqlite3 "$tmp/province/vanthu.db" "UPDATE exchange_outbox SET status = 'pending', next_attempt_at = '2000-01-01T00:00:00Z', lease_owner = '', lease_until = '' WHERE id = '$outbox_id'"
for _ in $(seq 1 200); do
  delivered=$(sqlite3 "$tmp/province/vanthu.db" "SELECT status FROM exchange_outbox WHERE id = '$outbox_id'")
  [ "$delivered" = delivered ] && break
  sleep 0.2
done
count_after=$(curl -sS -H "Authorization: Bearer ${token[vanthu.daitu]}" "${base[commune]}/api/v1/documents?box=incoming&limit=100" | jq '.items | length')
[ "$delivered" = delivered ] && [ "$count_before" = "$count_after" ] &&
  ok "delivered twice, processed once: the commune still has $count_after incoming documents" ||
  fail "duplicate: outbox $delivered, incoming $count_before -> $count_after"
grep -q '"outcome":"duplicate"' "$tmp/commune-server.log" && ok "the commune answered the second delivery 'duplicate'" ||
  fail "no duplicate answer in the commune's log"

# --- 5. Refusals -----------------------------------------------------------------------------------
inbox() { # TOKEN-FILE FILE [TYPE] -> HTTP status, body in $tmp/inbox.json
  curl -sS -o "$tmp/inbox.json" -w '%{http_code}' -X POST -H "Authorization: Bearer $(cat "$1")" \
    -H 'Content-Type: application/xml' -H "X-Edxml-Message-Type: ${3:-edoc}" \
    --data-binary "@$2" "${base[commune]}/api/v1/exchange/inbox"
}
# A package of ours (made with `vanthu edxml pack` from the issued PDF) for another agency.
cat >"$tmp/meta.json" <<EOF
{"from": {"organ_id": "$province_code", "organ_name": "Ủy ban nhân dân tỉnh Thái Nguyên"},
 "to": [{"organ_id": "000.00.21.H55", "organ_name": "Ủy ban nhân dân phường Phan Đình Phùng"}],
 "code_number": "99", "code_notation": "QĐ-UBND", "place": "Thái Nguyên",
 "promulgation_date": "2026/11/29", "type": 8, "type_detail": "QD", "type_name": "Quyết định",
 "subject": "Gói tin gửi nhầm", "signer": {"full_name": "Phạm Quốc Hùng"},
 "document_id": "$province_code,2026/11/29,99/QĐ-UBND",
 "trace": [{"organ_id": "$province_code", "timestamp": "2026/11/29 08:30:00"}]}
EOF
if "$bin/vanthu" edxml pack --metadata "$tmp/meta.json" --out "$tmp/other.edxml" --pdf "$tmp/issued.pdf" >"$tmp/pack.out" 2>&1; then
  code=$(inbox "$tmp/token-for-province" "$tmp/other.edxml")
  [ "$code" = 422 ] && [ "$(jq -r .code "$tmp/inbox.json")" = wrong_recipient ] &&
    ok "a package for another agency: 422, $(jq -r .detail "$tmp/inbox.json")" || fail "wrong recipient -> $code $(cat "$tmp/inbox.json")"
  # The same package for the commune, with one byte of the signed PDF changed: quarantined.
  python3 - "$tmp/issued.pdf" "$tmp/tampered.pdf" <<'PY'
import sys
data = bytearray(open(sys.argv[1], "rb").read())
at = data.find(b"/Type /Page") + 20
data[at] = ord("X") if data[at] != ord("X") else ord("Y")
open(sys.argv[2], "wb").write(data)
PY
  sed -e "s/000.00.21.H55/$commune_code/" -e 's/Gói tin gửi nhầm/Văn bản bị sửa sau khi ký/' \
    -e 's/99/98/g' "$tmp/meta.json" >"$tmp/meta-tampered.json"
  "$bin/vanthu" edxml pack --metadata "$tmp/meta-tampered.json" --out "$tmp/tampered.edxml" --pdf "$tmp/tampered.pdf" >"$tmp/pack.out" 2>&1
  code=$(inbox "$tmp/token-for-province" "$tmp/tampered.edxml")
  [ "$code" = 200 ] && [ "$(jq -r .outcome "$tmp/inbox.json")" = refused ] &&
    ok "a tampered PDF: quarantined ($(jq -r .note "$tmp/inbox.json"))" || fail "tampered -> $code $(cat "$tmp/inbox.json")"
  quarantined=$(jq -r .document_id "$tmp/inbox.json")
  [ "$(curl -sS -H "Authorization: Bearer ${token[vanthu.daitu]}" "${base[commune]}/api/v1/documents/$quarantined" | jq -r .status)" = refused ] &&
    ok "the quarantined document is kept as refused at the commune" || fail "quarantined document state"
  out=$(sqlite3 "$tmp/commune/vanthu.db" "SELECT recipient_code || ' ' || kind FROM exchange_outbox WHERE document_id = '$quarantined'")
  [ "$out" = "$province_code status" ] && ok "status 02 queued back to the sender" || fail "refusal status: '$out'"
  code=$(inbox "$tmp/token-for-province" "$tmp/tampered.edxml")
  [ "$code" = 200 ] && [ "$(jq -r .outcome "$tmp/inbox.json")" = duplicate ] &&
    ok "the tampered package again: duplicate, not a second document" || fail "tampered again -> $code $(cat "$tmp/inbox.json")"
else
  fail "vanthu edxml pack: $(cat "$tmp/pack.out")"
fi
# A status message about a document the commune never sent.
sed -e "s/000.00.00.H49/$commune_code/g" -e "s/000.00.01.H49/$province_code/" \
  "$(dirname "$0")/../../samples/edxml/example-status.edxml" >"$tmp/status.edxml"
code=$(inbox "$tmp/token-for-province" "$tmp/status.edxml" status)
[ "$code" = 422 ] && [ "$(jq -r .code "$tmp/inbox.json")" = unknown_document ] &&
  ok "a status about a document never sent: 422 unknown_document" ||
  fail "unknown document status -> $code $(cat "$tmp/inbox.json")"
# (Without a body: access is decided before a body is read, and an unread body can turn the
# answer into a reset connection.)
code=$(curl -sS -o "$tmp/inbox.json" -w '%{http_code}' -X POST -H 'Content-Type: application/xml' \
  "${base[commune]}/api/v1/exchange/inbox")
[ "$code" = 401 ] && ok "no token: 401" || fail "no token -> $code"
printf '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>' >"$tmp/xxe.xml"
code=$(inbox "$tmp/token-for-province" "$tmp/xxe.xml")
[ "$code" = 400 ] || [ "$code" = 422 ] && grep -q doctype_refused "$tmp/inbox.json" &&
  ok "an external entity: $code doctype_refused" || fail "xxe -> $code $(cat "$tmp/inbox.json")"
curl -fsS "${base[commune]}/healthz" >/dev/null && ok "the commune's server is still up" || fail "commune server down"

echo "failures: $failures"
[ "$failures" -eq 0 ]
