#!/usr/bin/env bash
# The outgoing flow end to end over HTTP with the demo users and the demo PKI (issue "Workflow",
# "Done when"): the specialist drafts a Decree 30 decision, the department head and the office
# chief approve, the leader signs (P=2 certification), the clerk issues (number, date, the
# organisation's seal signature, time-stamped by the demo TSA the server runs). The issued PDF is
# judged by pdfsig with the demo root trusted, by pdftotext and qpdf, and by vanthu-verify. Then
# the other paths: a deputy signing "KT." through a delegation, a wrong key password that changes
# nothing, return, reject, withdraw and recall, and the outgoing register.
set -uo pipefail
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }

for tool in curl jq pdfsig pdftotext qpdf certutil; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed"; exit 77; }
done

export VANTHU_DEMO_PASSWORD=${VANTHU_DEMO_PASSWORD:-demo-test-password}
data=$tmp/var
"$bin/vanthu" demo init --dir "$data" --quiet >"$tmp/init.out" 2>&1 || { cat "$tmp/init.out"; exit 1; }
p12_password=vanthu-demo-p12  # the demo PKI's PKCS#12 password (pki/README.md)

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
for user in chuyenvien truongphong chanhvanphong lanhdao phochutich vanthu; do
  token[$user]=$(login "$user")
  [ -n "${token[$user]}" ] && [ "${token[$user]}" != null ] || { echo "login $user failed"; exit 1; }
done

# act USER DOCUMENT BODY -> "STATUS" on the first line, the body in $tmp/act.json
revision=""
act() {
  local user=$1 id=$2 body=$3
  curl -sS -o "$tmp/act.json" -w '%{http_code}\n' -X POST "$base/api/v1/documents/$id/actions" \
    -H "Authorization: Bearer ${token[$user]}" -H 'Content-Type: application/json' \
    -H "If-Match: \"$revision\"" --data "$body"
}
# step USER DOCUMENT BODY WANTED_STATUS: an action that must succeed into WANTED_STATUS.
step() {
  local user=$1 id=$2 body=$3 want=$4 code
  code=$(act "$user" "$id" "$body")
  local got
  got=$(jq -r '.document.status // .code' "$tmp/act.json")
  if [ "$code" = 200 ] && [ "$got" = "$want" ]; then
    revision=$(jq -r .document.revision "$tmp/act.json")
    ok "$user $(jq -r .act.action "$tmp/act.json") -> $want"
  else
    fail "$user $body -> HTTP $code: $(cat "$tmp/act.json")"
  fi
}
new_draft() { # SUBJECT: sets doc (its id) and revision
  curl -sS -H "Authorization: Bearer ${token[chuyenvien]}" \
    -F "metadata={\"direction\":\"outgoing\",\"document_type\":\"QĐ\",\"subject\":\"$1\"};type=application/json" \
    -F "file=@$data/samples/quyet-dinh.pdf;type=application/pdf" "$base/api/v1/documents" >"$tmp/new.json"
  revision=$(jq -r .revision "$tmp/new.json")
  doc=$(jq -r .id "$tmp/new.json")
}
latest_pdf() { # DOCUMENT OUT.pdf
  local n
  n=$(curl -sS -H "Authorization: Bearer ${token[vanthu]}" "$base/api/v1/documents/$1/versions" |
    jq -r '[.items[].number] | max')
  curl -sS -o "$2" -H "Authorization: Bearer ${token[vanthu]}" \
    "$base/api/v1/documents/$1/versions/$n/content"
}

mkdir -p "$tmp/nss"
certutil -N -d "sql:$tmp/nss" --empty-password >/dev/null
certutil -A -d "sql:$tmp/nss" -n root -t CT,C,C -i "$data/pki/roots/demo-national-root-ca.pem"

# --- The full flow -----------------------------------------------------------------------------
new_draft "Quyết định ban hành Quy chế công tác văn thư"
[ -n "$doc" ] && [ "$doc" != null ] || { echo "no draft: $(cat "$tmp/new.json")"; exit 1; }
# An attachment (phụ lục) travels with it: a separate PDF the organisation signs at issuance.
code=$(curl -sS -o "$tmp/attachment.json" -D "$tmp/attachment.headers" -w '%{http_code}' \
  -H "Authorization: Bearer ${token[chuyenvien]}" -H "If-Match: \"$revision\"" \
  -F 'metadata={"name":"phu-luc-ke-hoach.pdf"};type=application/json' \
  -F "file=@$data/samples/ke-hoach.pdf;type=application/pdf" "$base/api/v1/documents/$doc/attachments")
[ "$code" = 201 ] && ok "attachment added" || fail "attachment -> $code $(cat "$tmp/attachment.json")"
revision=$(sed -n 's/^[Ee][Tt][Aa][Gg]: "\([0-9]*\)".*/\1/p' "$tmp/attachment.headers" | tr -d '\r')
step chuyenvien "$doc" '{"action":"submit","comment":"Kính trình"}' review
step truongphong "$doc" '{"action":"approve","comment":"Đồng ý"}' review
step chanhvanphong "$doc" '{"action":"approve","comment":"Đúng thể thức"}' signing

# A wrong key password is refused precisely and changes nothing.
code=$(act lanhdao "$doc" "{\"action\":\"sign\",\"key_id\":\"key-lanhdao\",\"password\":\"wrong\"}")
[ "$code" = 422 ] && [ "$(jq -r .code "$tmp/act.json")" = invalid_password ] &&
  ok "a wrong key password: 422 invalid_password" || fail "wrong password -> $code $(cat "$tmp/act.json")"
still=$(curl -sS -H "Authorization: Bearer ${token[lanhdao]}" "$base/api/v1/documents/$doc" | jq -r '.status + " " + (.revision|tostring)')
[ "$still" = "signing $revision" ] && ok "after the refusal the document is unchanged ($still)" || fail "after a refused sign: $still"
# Someone else's key is not the leader's to use.
code=$(act lanhdao "$doc" "{\"action\":\"sign\",\"key_id\":\"key-phochutich\",\"password\":\"$p12_password\"}")
[ "$code" = 404 ] && ok "another user's key: 404" || fail "another user's key -> $code $(cat "$tmp/act.json")"
# The clerk cannot sign for the leader.
code=$(act vanthu "$doc" "{\"action\":\"sign\",\"key_id\":\"key-lanhdao\",\"password\":\"$p12_password\"}")
[ "$code" = 403 ] && ok "the clerk signing: 403" || fail "clerk sign -> $code $(cat "$tmp/act.json")"

step lanhdao "$doc" "{\"action\":\"sign\",\"key_id\":\"key-lanhdao\",\"password\":\"$p12_password\"}" signed
step vanthu "$doc" "{\"action\":\"issue\",\"key_id\":\"key-ubnd-tinh\",\"password\":\"$p12_password\"}" issued
notation=$(jq -r .document.notation "$tmp/act.json")
year=$(TZ=Asia/Ho_Chi_Minh date +%Y)
[ "$notation" = "01/QĐ-UBND" ] && ok "notation $notation" || fail "notation: $notation"

latest_pdf "$doc" "$tmp/issued.pdf"
qpdf --check "$tmp/issued.pdf" >/dev/null 2>&1 && ok "qpdf --check" || fail "qpdf --check failed"
report=$(pdfsig -no-ocsp -nssdir "sql:$tmp/nss" "$tmp/issued.pdf" 2>&1)
valid=$(grep -c "Signature is Valid" <<<"$report")
trusted=$(grep -c "Certificate is Trusted" <<<"$report")
[ "$valid" = 2 ] && [ "$trusted" = 2 ] && ok "pdfsig: both signatures valid and trusted" ||
  fail "pdfsig: $report"
grep -q "Phạm Quốc Hùng" <<<"$report" && grep -q "UID=000.00.00.H55" <<<"$report" &&
  ok "pdfsig: the leader's and the organisation's certificates" || fail "pdfsig signers: $report"

# Number and date on page 1, in the header's blanks.
day=$(TZ=Asia/Ho_Chi_Minh date +%-d)
month=$(TZ=Asia/Ho_Chi_Minh date +%-m)
[ "$day" -lt 10 ] && day="0$day"
[ "$month" -le 2 ] && month="0$month"
words=$(pdftotext -bbox -f 1 -l 1 "$tmp/issued.pdf" - 2>/dev/null)
in_box() { # WORD XMIN XMAX: a word on page 1 that starts between XMIN and XMAX (the blank)
  grep -E ">$1</word>" <<<"$words" | sed -n 's/.*xMin="\([0-9.]*\)".*/\1/p' |
    awk -v lo="$2" -v hi="$3" '$1 >= lo && $1 <= hi {found = 1} END {exit !found}'
}
in_box 01 140 175 && ok "page 1 shows the number 01 after 'Số:'" || fail "number not in its blank: $(grep -E '>01<' <<<"$words")"
in_box "$day" 370 405 && ok "page 1 shows the day $day" || fail "day $day not in its blank"
in_box "$month" 425 465 && ok "page 1 shows the month $month" || fail "month $month not in its blank"
pdftotext -enc UTF-8 "$tmp/issued.pdf" "$tmp/issued.txt"
[ "$(grep -c "Phạm Quốc Hùng" "$tmp/issued.txt")" -ge 2 ] &&
  ok "the leader's appearance adds the name to the printed one" || fail "leader appearance text missing: $(tail -n 12 "$tmp/issued.txt")"

"$bin/vanthu-verify" --json --trust "$data/pki/roots/demo-national-root-ca.pem" "$tmp/issued.pdf" >"$tmp/verify.json"
verdict_check=$(jq -r '[.signatures[0].certification, .signatures[0].modifications_after,
  .signatures[0].indication, .signatures[1].field, .signatures[1].level,
  .signatures[1].indication, .verdict] | join(" ")' "$tmp/verify.json")
want="form-filling FORM_FILLING TOTAL_PASSED ChuKyCoQuan B-T TOTAL_PASSED TOTAL_PASSED"
[ "$verdict_check" = "$want" ] && ok "vanthu-verify: leader P=2 + FORM_FILLING, organisation B-T, all TOTAL_PASSED" ||
  fail "vanthu-verify: '$verdict_check' (want '$want'): $(cat "$tmp/verify.json")"

acts=$(curl -sS -H "Authorization: Bearer ${token[chuyenvien]}" "$base/api/v1/documents/$doc/acts" |
  jq -r '[.items[].action] | join(",")')
[ "$acts" = "submit,approve,approve,sign,issue" ] && ok "timeline: $acts" || fail "timeline: $acts"
kinds=$(curl -sS -H "Authorization: Bearer ${token[vanthu]}" "$base/api/v1/documents/$doc/versions" |
  jq -r '[.items[].kind] | join(",")')
[ "$kinds" = "upload,signature,issue" ] && ok "versions: $kinds" || fail "versions: $kinds"

# The attachment was signed by the organisation too, with the document's number on it.
signed=$(curl -sS -H "Authorization: Bearer ${token[vanthu]}" "$base/api/v1/documents/$doc/attachments" |
  jq -r '.items[0].signed')
[ "$signed" = true ] && ok "the attachment is marked signed" || fail "attachment signed: $signed"
curl -sS -o "$tmp/attachment.pdf" -H "Authorization: Bearer ${token[vanthu]}" \
  "$base/api/v1/documents/$doc/attachments/1/content"
report=$(pdfsig -no-ocsp -nssdir "sql:$tmp/nss" "$tmp/attachment.pdf" 2>&1)
[ "$(grep -c "Signature is Valid" <<<"$report")" = 1 ] && grep -q "UID=000.00.00.H55" <<<"$report" &&
  ok "pdfsig: the attachment carries the organisation's valid signature" || fail "attachment pdfsig: $report"
pdftotext -enc UTF-8 -f 1 -l 1 "$tmp/attachment.pdf" - | grep -q "Số: 01/QĐ-UBND" &&
  ok "the attachment shows 'Số: 01/QĐ-UBND'" || fail "attachment text: $(pdftotext -f 1 -l 1 "$tmp/attachment.pdf" - | head -n 5)"

# The register shows it; recall ends it.
register=$(curl -sS -H "Authorization: Bearer ${token[vanthu]}" "$base/api/v1/registers" |
  jq -r '.items[] | select(.direction == "outgoing") | .id' | head -n 1)
curl -sS -H "Authorization: Bearer ${token[vanthu]}" \
  "$base/api/v1/registers/$register/export?year=$year&format=csv" >"$tmp/register.csv"
grep -q "01/QĐ-UBND" "$tmp/register.csv" && grep -q "Phạm Quốc Hùng" "$tmp/register.csv" &&
  ok "the outgoing register lists 01/QĐ-UBND signed by Phạm Quốc Hùng" || fail "register: $(cat "$tmp/register.csv")"
code=$(act vanthu "$doc" '{"action":"recall"}')
[ "$code" = 400 ] && ok "recall without a reason: 400" || fail "recall without reason -> $code"
step vanthu "$doc" '{"action":"recall","comment":"Thu hồi theo chỉ đạo của Chủ tịch"}' recalled
code=$(act vanthu "$doc" '{"action":"recall","comment":"again"}')
[ "$code" = 409 ] && ok "a recalled document never moves again: 409" || fail "after recall -> $code"

# --- A deputy signs for the leader through a delegation: "KT. CHỦ TỊCH" -------------------------
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
until=$(date -u -d '+1 day' +%Y-%m-%dT%H:%M:%SZ)
code=$(curl -sS -o "$tmp/delegation.json" -w '%{http_code}' -X POST "$base/api/v1/delegations" \
  -H "Authorization: Bearer ${token[lanhdao]}" -H 'Content-Type: application/json' \
  --data "{\"to_user_id\":\"user-phochutich\",\"scope\":\"sign\",\"starts_at\":\"$now\",\"ends_at\":\"$until\",\"reason\":\"Đi công tác\"}")
[ "$code" = 201 ] || fail "delegation -> $code $(cat "$tmp/delegation.json")"
first=$doc
new_draft "Quyết định phê duyệt Kế hoạch chuyển đổi số"
doc2=$doc
step chuyenvien "$doc2" '{"action":"submit"}' review
step truongphong "$doc2" '{"action":"approve"}' review
step chanhvanphong "$doc2" '{"action":"approve"}' signing
step phochutich "$doc2" "{\"action\":\"sign\",\"key_id\":\"key-phochutich\",\"password\":\"$p12_password\"}" signed
marker=$(jq -r '.act.authority_marker + " " + .act.on_behalf_of' "$tmp/act.json")
[ "$marker" = "KT. user-lanhdao" ] && ok "the deputy's act: KT. for user-lanhdao" || fail "deputy act: $marker"
step vanthu "$doc2" "{\"action\":\"issue\",\"key_id\":\"key-ubnd-tinh\",\"password\":\"$p12_password\"}" issued
[ "$(jq -r .document.notation "$tmp/act.json")" = "02/QĐ-UBND" ] && ok "the next number: 02/QĐ-UBND" ||
  fail "second notation: $(jq -r .document.notation "$tmp/act.json")"
latest_pdf "$doc2" "$tmp/deputy.pdf"
pdftotext -enc UTF-8 "$tmp/deputy.pdf" "$tmp/deputy.txt"
grep -A1 -x "KT. CHỦ TỊCH" "$tmp/deputy.txt" | grep -qx "PHÓ CHỦ TỊCH" && grep -qx "Đỗ Minh Tuấn" "$tmp/deputy.txt" &&
  ok "the deputy's appearance: KT. CHỦ TỊCH / PHÓ CHỦ TỊCH / Đỗ Minh Tuấn" || fail "deputy appearance: $(tail -n 20 "$tmp/deputy.txt")"
report=$(pdfsig -no-ocsp -nssdir "sql:$tmp/nss" "$tmp/deputy.pdf" 2>&1)
[ "$(grep -c "Signature is Valid" <<<"$report")" = 2 ] && ok "pdfsig: the deputy's and the seal signatures valid" || fail "pdfsig deputy: $report"

# --- Return, reject, withdraw -------------------------------------------------------------------
new_draft "Tờ trình về việc bổ sung kinh phí"
doc3=$doc
step chuyenvien "$doc3" '{"action":"submit"}' review
step truongphong "$doc3" '{"action":"approve"}' review
step chanhvanphong "$doc3" '{"action":"return","comment":"Sửa căn cứ pháp lý","to_level":1}' returned
step chuyenvien "$doc3" '{"action":"submit"}' review
step truongphong "$doc3" '{"action":"reject","comment":"Không phù hợp"}' rejected
code=$(act chuyenvien "$doc3" '{"action":"submit"}')
[ "$code" = 409 ] && ok "a rejected document never moves again: 409" || fail "after reject -> $code"
new_draft "Công văn xin ý kiến"
doc4=$doc
step chuyenvien "$doc4" '{"action":"withdraw","comment":"Không cần nữa"}' withdrawn
code=$(act lanhdao "$doc4" "{\"action\":\"sign\",\"key_id\":\"key-lanhdao\",\"password\":\"$p12_password\"}")
[ "$code" = 409 ] && ok "a withdrawn document cannot be signed: 409" || fail "sign withdrawn -> $code"

grep -q "$p12_password" "$tmp/server.log" && fail "a key password reached the server log" ||
  ok "no key password in the server log"
"$bin/vanthu" audit verify --data "$data" >"$tmp/audit.out" 2>&1 && ok "the audit chain verifies" ||
  fail "audit verify: $(cat "$tmp/audit.out")"

echo "$failures failed"
[ "$failures" -eq 0 ]
