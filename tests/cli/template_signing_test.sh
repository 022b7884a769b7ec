#!/usr/bin/env bash
# The template's signing features over HTTP with the demo users and PKI:
#  1. A template version whose review levels 2 and 3 record approvals as invisible approval
#     signatures: approve without a key is refused (422 signature_required), a wrong password
#     changes nothing (422 invalid_password), each approval adds a version with an invisible
#     approval signature, the leader's signature is then a visible approval signature (no
#     certification: it must be the first signature), the clerk issues as usual. pdfsig (demo
#     root trusted) finds 4 valid signatures; vanthu-verify and POST /api/v1/verify say
#     TOTAL_PASSED for each. A document on the default version still gets the leader's P=2
#     certification.
#  2. The sign level's signature placement: saved and read back through the admin routes, and
#     the order request rectangle > template placement (page -1: the last page) > the PDF's own
#     empty signature field > the default box, judged on the signed PDFs' widgets (qpdf --json).
# Shipped templates are read-only for an organisation: the province's administrator copies
# outgoing-4 to the province (tinh-di, version 1 as shipped), makes the copy the province's default
# outgoing template, and saves the versions the test needs through PUT /api/v1/templates/tinh-di.
set -uo pipefail
bin=$1
tmp=$(mktemp -d)
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }

for tool in curl jq pdfsig qpdf certutil; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed"; exit 77; }
done

export VANTHU_DEMO_PASSWORD=${VANTHU_DEMO_PASSWORD:-demo-test-password}
data=$tmp/var
"$bin/vanthu" demo init --dir "$data" --quiet >"$tmp/init.out" 2>&1 || { cat "$tmp/init.out"; exit 1; }
p12_password=vanthu-demo-p12

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

login() {
  curl -sS -H 'Content-Type: application/json' \
    --data "{\"username\":\"$1\",\"password\":\"$VANTHU_DEMO_PASSWORD\"}" "$base/api/v1/auth/login" |
    jq -r .token
}
declare -A token
for user in admin chuyenvien truongphong chanhvanphong lanhdao vanthu; do
  token[$user]=$(login "$user")
  [ -n "${token[$user]}" ] && [ "${token[$user]}" != null ] || { echo "login $user failed"; exit 1; }
done

revision=""
act() {
  local user=$1 id=$2 body=$3
  curl -sS -o "$tmp/act.json" -w '%{http_code}\n' -X POST "$base/api/v1/documents/$id/actions" \
    -H "Authorization: Bearer ${token[$user]}" -H 'Content-Type: application/json' \
    -H "If-Match: \"$revision\"" --data "$body"
}
step() {
  local user=$1 id=$2 body=$3 want=$4 code got
  code=$(act "$user" "$id" "$body")
  got=$(jq -r '.document.status // .code' "$tmp/act.json")
  if [ "$code" = 200 ] && [ "$got" = "$want" ]; then
    revision=$(jq -r .document.revision "$tmp/act.json")
    ok "$user $(jq -r .act.action "$tmp/act.json") -> $want"
  else
    fail "$user $body -> HTTP $code: $(cat "$tmp/act.json")"
  fi
}
new_draft() { # SUBJECT [PDF]: sets doc and revision
  local pdf=${2:-$data/samples/quyet-dinh.pdf}
  curl -sS -H "Authorization: Bearer ${token[chuyenvien]}" \
    -F "metadata={\"direction\":\"outgoing\",\"document_type\":\"QĐ\",\"subject\":\"$1\"};type=application/json" \
    -F "file=@$pdf;type=application/pdf" "$base/api/v1/documents" >"$tmp/new.json"
  revision=$(jq -r .revision "$tmp/new.json")
  doc=$(jq -r .id "$tmp/new.json")
  [ -n "$doc" ] && [ "$doc" != null ] || fail "no draft: $(cat "$tmp/new.json")"
}
latest_pdf() {
  local n
  n=$(curl -sS -H "Authorization: Bearer ${token[vanthu]}" "$base/api/v1/documents/$1/versions" |
    jq -r '[.items[].number] | max')
  curl -sS -o "$2" -H "Authorization: Bearer ${token[vanthu]}" \
    "$base/api/v1/documents/$1/versions/$n/content"
}
version_kinds() {
  curl -sS -H "Authorization: Bearer ${token[vanthu]}" "$base/api/v1/documents/$1/versions" |
    jq -r '[.items[].kind] | join(",")'
}
# widget PDF FIELD -> "PAGE X Y X2 Y2" of the signature field FIELD (qpdf's JSON)
widget() {
  qpdf --json=2 "$1" >"$tmp/pdf.json" 2>/dev/null
  jq -r --arg name "$2" '
    (.pages | to_entries | map({key: .value.object, value: (.key + 1)}) | from_entries) as $pages
    | .qpdf[1] | to_entries[] | .value.value
    | select(type == "object" and .["/FT"] == "/Sig" and
             ((.["/T"] // "") | ltrimstr("u:")) == $name)
    | "\($pages[.["/P"]] // 0) \(.["/Rect"] | map(. * 100 | round / 100) | join(" "))"' \
    "$tmp/pdf.json" | head -n 1
}
# Saves version N of the province's copy tinh-di: the levels of outgoing-4, with the approval
# signature on levels APPROVALS (a JSON list) and the sign level's placement PLACEMENT (JSON, or
# null for none).
add_template_version() {
  local n=$1 approvals=$2 placement=$3 code
  curl -sS -H "Authorization: Bearer ${token[admin]}" "$base/api/v1/templates/outgoing-4" |
    jq -c --argjson a "$approvals" --argjson p "$placement" '{name: (.name + " (tỉnh)"), direction,
      levels: [.levels[] | .number as $n | .approval_signature = any($a[]; . == $n)
               | if .action == "sign" then .signature_placement = $p else . end]}' >"$tmp/version.json"
  code=$(curl -sS -o "$tmp/saved.json" -w '%{http_code}' -X PUT "$base/api/v1/templates/tinh-di" \
    -H "Authorization: Bearer ${token[admin]}" -H 'Content-Type: application/json' --data @"$tmp/version.json")
  [ "$code" = 200 ] && [ "$(jq -r .version "$tmp/saved.json")" = "$n" ] ||
    fail "saving version $n of tinh-di: $code $(cat "$tmp/saved.json")"
}

# The shipped template cannot be saved over; the province's copy is.
code=$(curl -sS -o "$tmp/shipped.json" -w '%{http_code}' -X PUT "$base/api/v1/templates/outgoing-4" \
  -H "Authorization: Bearer ${token[admin]}" -H 'Content-Type: application/json' \
  --data "$(curl -sS -H "Authorization: Bearer ${token[admin]}" "$base/api/v1/templates/outgoing-4" | jq -c '{name, direction, levels}')")
[ "$code" = 403 ] && jq -r .detail "$tmp/shipped.json" | grep -q "copy it to your organisation" &&
  ok "a shipped template is read-only: 403, copy it" || fail "saving over outgoing-4: $code $(cat "$tmp/shipped.json")"
add_template_version 1 "[]" null
code=$(curl -sS -o "$tmp/choice.json" -w '%{http_code}' -X PUT "$base/api/v1/organizations/ubnd-tinh/outgoing-template" \
  -H "Authorization: Bearer ${token[admin]}" -H 'Content-Type: application/json' --data '{"template_id":"tinh-di"}')
[ "$code" = 200 ] && [ "$(jq -r '.template_id + " " + (.version|tostring)' "$tmp/choice.json")" = "tinh-di 1" ] &&
  ok "tinh-di is the province's default outgoing template" || fail "choosing tinh-di: $code $(cat "$tmp/choice.json")"

mkdir -p "$tmp/nss"
certutil -N -d "sql:$tmp/nss" --empty-password >/dev/null
certutil -A -d "sql:$tmp/nss" -n root -t CT,C,C -i "$data/pki/roots/demo-national-root-ca.pem"
trust=$data/pki/roots/demo-national-root-ca.pem

# --- A document on the shipped version 1: no approval signatures, the leader certifies ---------
new_draft "Quyết định theo mẫu mặc định"
plain=$doc
plain_revision=$revision

# --- Version 2: approvals at levels 2 and 3 are signatures -------------------------------------
add_template_version 2 "[2, 3]" null
shown=$(curl -sS -H "Authorization: Bearer ${token[admin]}" "$base/api/v1/templates/tinh-di" |
  jq -r '[.version, (.levels[] | .approval_signature)] | map(tostring) | join(" ")')
[ "$shown" = "2 false true true false false" ] && ok "template version 2 shows approval_signature on levels 2 and 3" ||
  fail "template: $shown"

new_draft "Quyết định có chữ ký duyệt"
step chuyenvien "$doc" '{"action":"submit","comment":"Kính trình"}' review
code=$(act truongphong "$doc" '{"action":"approve","comment":"Đồng ý"}')
[ "$code" = 422 ] && [ "$(jq -r .code "$tmp/act.json")" = signature_required ] &&
  ok "approve without a key at a signing level: 422 signature_required" || fail "approve without key -> $code $(cat "$tmp/act.json")"
code=$(act truongphong "$doc" '{"action":"approve","key_id":"key-truongphong","password":"wrong"}')
[ "$code" = 422 ] && [ "$(jq -r .code "$tmp/act.json")" = invalid_password ] &&
  ok "approve with a wrong password: 422 invalid_password" || fail "wrong password -> $code $(cat "$tmp/act.json")"
still=$(curl -sS -H "Authorization: Bearer ${token[truongphong]}" "$base/api/v1/documents/$doc" |
  jq -r '.status + " " + (.revision|tostring)')
[ "$still" = "review $revision" ] && [ "$(version_kinds "$doc")" = upload ] &&
  ok "after the refusals the document is unchanged ($still, one version)" || fail "after refusals: $still $(version_kinds "$doc")"
step truongphong "$doc" "{\"action\":\"approve\",\"comment\":\"Đồng ý\",\"key_id\":\"key-truongphong\",\"password\":\"$p12_password\"}" review
step chanhvanphong "$doc" "{\"action\":\"approve\",\"comment\":\"Đúng thể thức\",\"key_id\":\"key-chanhvanphong\",\"password\":\"$p12_password\"}" signing
kinds=$(version_kinds "$doc")
[ "$kinds" = "upload,approval,approval" ] && ok "each signed approval adds a version: $kinds" || fail "versions: $kinds"
latest_pdf "$doc" "$tmp/approved.pdf"
report=$(pdfsig -no-ocsp -nssdir "sql:$tmp/nss" "$tmp/approved.pdf" 2>&1)
[ "$(grep -c "Signature is Valid" <<<"$report")" = 2 ] && ok "pdfsig: two valid approval signatures" || fail "pdfsig approvals: $report"
rect=$(widget "$tmp/approved.pdf" Signature1)
[ "$rect" = "1 0 0 0 0" ] && ok "the approval's widget is invisible: page 1, /Rect [0 0 0 0]" || fail "approval widget: '$rect'"
flags=$(jq -r '.qpdf[1] | to_entries[] | .value.value | select(type == "object" and .["/FT"] == "/Sig") | .["/F"]' "$tmp/pdf.json" | sort -u | tr '\n' ' ')
bad=0
for f in $flags; do [ $((f & 4)) = 4 ] && [ $((f & 35)) = 0 ] || bad=1; done
[ -n "$flags" ] && [ "$bad" = 0 ] && ok "approval widgets are printable, not hidden (/F $flags)" || fail "approval widget flags: $flags"

step lanhdao "$doc" "{\"action\":\"sign\",\"key_id\":\"key-lanhdao\",\"password\":\"$p12_password\"}" signed
step vanthu "$doc" "{\"action\":\"issue\",\"key_id\":\"key-ubnd-tinh\",\"password\":\"$p12_password\"}" issued
latest_pdf "$doc" "$tmp/issued.pdf"
qpdf --check "$tmp/issued.pdf" >/dev/null 2>&1 && ok "qpdf --check" || fail "qpdf --check failed"
report=$(pdfsig -no-ocsp -nssdir "sql:$tmp/nss" "$tmp/issued.pdf" 2>&1)
[ "$(grep -c "Signature is Valid" <<<"$report")" = 4 ] && [ "$(grep -c "Certificate is Trusted" <<<"$report")" = 4 ] &&
  ok "pdfsig: 4 valid, trusted signatures (2 approvals, leader, organisation)" || fail "pdfsig issued: $report"
grep -q "Trần Văn Bình" <<<"$report" && grep -q "Lê Thị Hương" <<<"$report" && grep -q "Phạm Quốc Hùng" <<<"$report" &&
  grep -q "UID=000.00.00.H55" <<<"$report" && ok "pdfsig: the approvers', the leader's and the organisation's certificates" ||
  fail "pdfsig signers: $report"
"$bin/vanthu-verify" --json --trust "$trust" "$tmp/issued.pdf" >"$tmp/verify.json"
summary=$(jq -r '[.signatures[] | .certification + ":" + .indication] + [.signatures[3].field, .verdict] | join(" ")' "$tmp/verify.json")
want="none:TOTAL_PASSED none:TOTAL_PASSED none:TOTAL_PASSED none:TOTAL_PASSED ChuKyCoQuan TOTAL_PASSED"
[ "$summary" = "$want" ] && ok "vanthu-verify: 4 approval signatures, all TOTAL_PASSED" || fail "vanthu-verify: '$summary': $(cat "$tmp/verify.json")"
curl -sS -H 'Content-Type: application/pdf' --data-binary "@$tmp/issued.pdf" "$base/api/v1/verify" >"$tmp/verify-api.json"
summary=$(jq -r '[.signatures[].indication] + [.verdict] | join(" ")' "$tmp/verify-api.json")
[ "$summary" = "TOTAL_PASSED TOTAL_PASSED TOTAL_PASSED TOTAL_PASSED TOTAL_PASSED" ] &&
  ok "POST /api/v1/verify: all TOTAL_PASSED" || fail "POST /api/v1/verify: '$summary' $(head -c 2000 "$tmp/verify-api.json")"
kinds=$(version_kinds "$doc")
[ "$kinds" = "upload,approval,approval,signature,issue" ] && ok "versions: $kinds" || fail "versions: $kinds"

# The document that started on version 1 keeps it: plain approvals, a P=2 certification.
doc=$plain
revision=$plain_revision
step chuyenvien "$doc" '{"action":"submit"}' review
step truongphong "$doc" '{"action":"approve"}' review
step chanhvanphong "$doc" '{"action":"approve"}' signing
step lanhdao "$doc" "{\"action\":\"sign\",\"key_id\":\"key-lanhdao\",\"password\":\"$p12_password\"}" signed
step vanthu "$doc" "{\"action\":\"issue\",\"key_id\":\"key-ubnd-tinh\",\"password\":\"$p12_password\"}" issued
latest_pdf "$doc" "$tmp/plain.pdf"
"$bin/vanthu-verify" --json --trust "$trust" "$tmp/plain.pdf" >"$tmp/verify.json"
summary=$(jq -r '[.signatures[0].certification, .signatures[0].modifications_after, (.signatures | length | tostring), .verdict] | join(" ")' "$tmp/verify.json")
[ "$summary" = "form-filling FORM_FILLING 2 TOTAL_PASSED" ] && ok "version 1: the leader certifies (P=2), 2 signatures, TOTAL_PASSED" ||
  fail "version 1 document: '$summary'"
[ "$(version_kinds "$doc")" = "upload,signature,issue" ] && ok "version 1: no approval versions" || fail "version 1 versions: $(version_kinds "$doc")"

# --- The template's signature placement through the admin routes ------------------------------
cat >"$tmp/template.json" <<'JSON'
{"name":"Văn bản đi: chữ ký ở trang cuối","direction":"outgoing","levels":[
{"number":1,"name":"Soạn thảo","role":"specialist","action":"draft"},
{"number":2,"name":"Lãnh đạo ký","role":"leader","action":"sign",
 "signature_placement":{"page":-1,"rectangle":{"x":320,"y":140.5,"width":170,"height":95}}},
{"number":3,"name":"Văn thư phát hành","role":"clerk","action":"issue"}]}
JSON
code=$(curl -sS -o "$tmp/saved.json" -w '%{http_code}' -X PUT "$base/api/v1/templates/tinh-ky-cuoi" \
  -H "Authorization: Bearer ${token[admin]}" -H 'Content-Type: application/json' --data @"$tmp/template.json")
placement=$(curl -sS -H "Authorization: Bearer ${token[chuyenvien]}" "$base/api/v1/templates/tinh-ky-cuoi" |
  jq -c '[.levels[].signature_placement]')
[ "$code" = 200 ] && [ "$placement" = '[null,{"page":-1,"rectangle":{"height":95,"width":170,"x":320,"y":140.5}},null]' ] &&
  ok "a saved placement reads back: $placement" || fail "template placement: $code $(cat "$tmp/saved.json") / $placement"
for bad in '{"page":0,"rectangle":{"x":1,"y":1,"width":10,"height":10}}' \
           '{"page":1,"rectangle":{"x":1,"y":1,"width":0,"height":10}}' \
           '{"page":1}' '{"page":1,"rectangle":{"x":1,"y":1,"width":10,"height":10},"extra":1}'; do
  body=$(jq -c --argjson p "$bad" '.levels[1].signature_placement = $p' "$tmp/template.json")
  code=$(curl -sS -o "$tmp/bad.json" -w '%{http_code}' -X PUT "$base/api/v1/templates/tinh-ky-cuoi" \
    -H "Authorization: Bearer ${token[admin]}" -H 'Content-Type: application/json' --data "$body")
  [ "$code" = 400 ] && ok "placement $bad: 400" || fail "placement $bad -> $code $(cat "$tmp/bad.json")"
done
body=$(jq -c '.levels[0].signature_placement = {"rectangle":{"x":1,"y":1,"width":10,"height":10}}' "$tmp/template.json")
code=$(curl -sS -o "$tmp/bad.json" -w '%{http_code}' -X PUT "$base/api/v1/templates/tinh-ky-cuoi" \
  -H "Authorization: Bearer ${token[admin]}" -H 'Content-Type: application/json' --data "$body")
[ "$code" = 400 ] && grep -q "only the sign level" "$tmp/bad.json" && ok "a placement on the draft level: 400" ||
  fail "placement on level 1 -> $code $(cat "$tmp/bad.json")"

# --- Precedence, on the leader's signed PDF ------------------------------------------------------
sign_to_signing() { # DOCUMENT: submit and approve to the sign level (no approval signatures)
  step chuyenvien "$1" '{"action":"submit"}' review
  step truongphong "$1" '{"action":"approve"}' review
  step chanhvanphong "$1" '{"action":"approve"}' signing
}
pages=$(qpdf --show-npages "$data/samples/cong-van.pdf")
# Version 3: the placement on the last page.
add_template_version 3 "[]" '{"page":-1,"rectangle":{"x":320,"y":140.5,"width":170,"height":95}}'
new_draft "Công văn ký ở trang cuối" "$data/samples/cong-van.pdf"
sign_to_signing "$doc"
step lanhdao "$doc" "{\"action\":\"sign\",\"key_id\":\"key-lanhdao\",\"password\":\"$p12_password\"}" signed
latest_pdf "$doc" "$tmp/template-placed.pdf"
rect=$(widget "$tmp/template-placed.pdf" Signature1)
[ "$rect" = "$pages 320 140.5 490 235.5" ] && ok "no rectangle in the request: the template's, on the last page ($rect)" ||
  fail "template placement: '$rect' (want '$pages 320 140.5 490 235.5')"
seal=$(widget "$tmp/template-placed.pdf" ChuKyCoQuan | cut -d' ' -f1)
[ "$seal" = "$pages" ] && ok "the seal field is on the signature's page" || fail "seal field page: '$seal'"

new_draft "Công văn ký theo yêu cầu" "$data/samples/cong-van.pdf"
sign_to_signing "$doc"
step lanhdao "$doc" "{\"action\":\"sign\",\"key_id\":\"key-lanhdao\",\"password\":\"$p12_password\",\"page\":2,\"rectangle\":{\"x\":100,\"y\":200,\"width\":150,\"height\":80}}" signed
latest_pdf "$doc" "$tmp/request-placed.pdf"
rect=$(widget "$tmp/request-placed.pdf" Signature1)
[ "$rect" = "2 100 200 250 280" ] && ok "the request's rectangle comes before the template's ($rect)" || fail "request placement: '$rect'"

# Version 4: no placement. A drafted PDF with its own empty signature field for the leader.
add_template_version 4 "[]" null
# (qpdf rewrites the sample with one more widget, /FT /Sig without /V, in the page's /Annots
# and a new /AcroForm: what a drafting tool leaves for the signer.)
qpdf --json=2 --json-key=pages --json-key=qpdf "$data/samples/quyet-dinh.pdf" >"$tmp/draft.json"
page_ref=$(jq -r '.pages[0].object' "$tmp/draft.json")
root_ref=$(jq -r '.qpdf[1].trailer.value["/Root"]' "$tmp/draft.json")
jq --arg page "$page_ref" --arg root "$root_ref" '
  .qpdf[1] |= (. + {
    "obj:900 0 R": {"value": {"/Type": "/Annot", "/Subtype": "/Widget", "/FT": "/Sig",
      "/T": "u:LanhDaoKy", "/F": 4, "/Rect": [300, 150, 480, 250], "/P": $page}},
    "obj:901 0 R": {"value": {"/Fields": ["900 0 R"]}}})
  | .qpdf[1]["obj:" + $page].value["/Annots"] = ((.qpdf[1]["obj:" + $page].value["/Annots"] // []) + ["900 0 R"])
  | .qpdf[1]["obj:" + $root].value["/AcroForm"] = "901 0 R"
  | {version: .version, parameters: .parameters, qpdf: .qpdf}' "$tmp/draft.json" >"$tmp/draft-update.json" 2>"$tmp/jq.err"
if qpdf "$data/samples/quyet-dinh.pdf" --update-from-json="$tmp/draft-update.json" "$tmp/with-field.pdf" 2>"$tmp/qpdf.err" &&
   [ "$(widget "$tmp/with-field.pdf" LanhDaoKy)" = "1 300 150 480 250" ]; then
  new_draft "Quyết định có ô chữ ký sẵn" "$tmp/with-field.pdf"
  sign_to_signing "$doc"
  step lanhdao "$doc" "{\"action\":\"sign\",\"key_id\":\"key-lanhdao\",\"password\":\"$p12_password\"}" signed
  latest_pdf "$doc" "$tmp/field-placed.pdf"
  report=$(pdfsig -no-ocsp -nssdir "sql:$tmp/nss" "$tmp/field-placed.pdf" 2>&1)
  grep -q "Signature Field Name: LanhDaoKy" <<<"$report" && [ "$(grep -c "Signature is Valid" <<<"$report")" = 1 ] &&
    ok "no rectangle, no template placement: the leader signs the PDF's own empty field" || fail "field placement: $report"
  "$bin/vanthu-verify" --json --trust "$trust" "$tmp/field-placed.pdf" >"$tmp/verify.json"
  [ "$(jq -r '.signatures[0].certification + " " + .signatures[0].field' "$tmp/verify.json")" = "form-filling LanhDaoKy" ] &&
    ok "the field's signature certifies (P=2)" || fail "field signature: $(cat "$tmp/verify.json")"
else
  fail "could not make a PDF with an empty signature field: $(cat "$tmp/jq.err" "$tmp/qpdf.err")"
fi

new_draft "Quyết định không có vị trí ký"
sign_to_signing "$doc"
step lanhdao "$doc" "{\"action\":\"sign\",\"key_id\":\"key-lanhdao\",\"password\":\"$p12_password\"}" signed
latest_pdf "$doc" "$tmp/default-placed.pdf"
rect=$(widget "$tmp/default-placed.pdf" Signature1)
[ "$rect" = "1 334 175 484 265" ] && ok "otherwise the default box ($rect)" || fail "default placement: '$rect'"

grep -q "$p12_password" "$tmp/server.log" && fail "a key password reached the server log" ||
  ok "no key password in the server log"
"$bin/vanthu" audit verify --data "$data" >"$tmp/audit.out" 2>&1 && ok "the audit chain verifies" ||
  fail "audit verify: $(cat "$tmp/audit.out")"

echo "$failures failed"
[ "$failures" -eq 0 ]
