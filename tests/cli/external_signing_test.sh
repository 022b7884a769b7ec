#!/usr/bin/env bash
# External signing through the actions route, end to end over HTTP with the demo users and PKI:
# the leader's key is an "external" key reference whose private key only this test holds. `sign`
# answers 202 with the digest and changes nothing; the test signs the digest with OpenSSL (the
# key outside the server) and sends it back with `complete_signature`; pdfsig and vanthu-verify
# judge the PDF, and the clerk issues it on top. Around it: a wrong signature value (422, nothing
# changes), another user's pending id (404), a restart of the server between the two steps, a
# second completion (409), an expired entry (410). Then a PKCS#11 key (SoftHSM2) signing through
# the same route carries its issuing chain in the CMS, so pdfsig trusts it with only the root.
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

for tool in curl jq pdfsig openssl sqlite3 certutil softhsm2-util pkcs11-tool; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed"; exit 77; }
done

export VANTHU_DEMO_PASSWORD=${VANTHU_DEMO_PASSWORD:-demo-test-password}
data=$tmp/var
"$bin/vanthu" demo init --dir "$data" --quiet >"$tmp/init.out" 2>&1 || { cat "$tmp/init.out"; exit 1; }
p12_password=vanthu-demo-p12  # the demo PKI's PKCS#12 password (pki/README.md)

# A SoftHSM2 token for the PKCS#11 part; the server reads SOFTHSM2_CONF from its environment.
export SOFTHSM2_CONF=$tmp/softhsm2.conf
mkdir -p "$tmp/tokens"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' "$tmp/tokens" >"$SOFTHSM2_CONF"

port=""
start_server() {
  "$bin/vanthu-server" --data "$data" --port "${port:-0}" >"$tmp/server.out" 2>"$tmp/server.log" &
  server_pid=$!
  local found=""
  for _ in $(seq 1 150); do
    found=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$tmp/server.out")
    [ -n "$found" ] && break
    sleep 0.1
  done
  [ -n "$found" ] || { echo "server did not start: $(cat "$tmp/server.out" "$tmp/server.log")"; exit 1; }
  port=$found
  base=http://127.0.0.1:$port
}
start_server

login() { # USERNAME -> token
  curl -sS -H 'Content-Type: application/json' \
    --data "{\"username\":\"$1\",\"password\":\"$VANTHU_DEMO_PASSWORD\"}" "$base/api/v1/auth/login" |
    jq -r .token
}
declare -A token
login_all() {
  for user in admin chuyenvien truongphong chanhvanphong lanhdao phochutich vanthu; do
    token[$user]=$(login "$user")
    [ -n "${token[$user]}" ] && [ "${token[$user]}" != null ] || { echo "login $user failed"; exit 1; }
  done
}
login_all

revision=""
act() { # USER DOCUMENT BODY -> the HTTP status; the body in $tmp/act.json
  curl -sS -o "$tmp/act.json" -w '%{http_code}' -X POST "$base/api/v1/documents/$2/actions" \
    -H "Authorization: Bearer ${token[$1]}" -H 'Content-Type: application/json' \
    -H "If-Match: \"$revision\"" --data "$3"
}
step() { # USER DOCUMENT BODY WANTED_STATUS
  local code got
  code=$(act "$1" "$2" "$3")
  got=$(jq -r '.document.status // .code' "$tmp/act.json")
  if [ "$code" = 200 ] && [ "$got" = "$4" ]; then
    revision=$(jq -r .document.revision "$tmp/act.json")
    ok "$1 $(jq -r .act.action "$tmp/act.json") -> $4"
  else
    fail "$1 $3 -> HTTP $code: $(cat "$tmp/act.json")"
  fi
}
to_signing() { # SUBJECT: a new draft approved up to the leader; sets doc and revision
  curl -sS -H "Authorization: Bearer ${token[chuyenvien]}" \
    -F "metadata={\"direction\":\"outgoing\",\"document_type\":\"QĐ\",\"subject\":\"$1\"};type=application/json" \
    -F "file=@$data/samples/quyet-dinh.pdf;type=application/pdf" "$base/api/v1/documents" >"$tmp/new.json"
  revision=$(jq -r .revision "$tmp/new.json")
  doc=$(jq -r .id "$tmp/new.json")
  [ -n "$doc" ] && [ "$doc" != null ] || { echo "no draft: $(cat "$tmp/new.json")"; exit 1; }
  step chuyenvien "$doc" '{"action":"submit"}' review
  step truongphong "$doc" '{"action":"approve"}' review
  step chanhvanphong "$doc" '{"action":"approve"}' signing
}
state_of() { # DOCUMENT -> "status revision versions acts"
  local status versions acts
  status=$(curl -sS -H "Authorization: Bearer ${token[lanhdao]}" "$base/api/v1/documents/$1" |
    jq -r '.status + " " + (.revision|tostring)')
  versions=$(curl -sS -H "Authorization: Bearer ${token[lanhdao]}" "$base/api/v1/documents/$1/versions" |
    jq -r '.items | length')
  acts=$(curl -sS -H "Authorization: Bearer ${token[lanhdao]}" "$base/api/v1/documents/$1/acts" |
    jq -r '.items | length')
  echo "$status $versions $acts"
}
latest_pdf() { # DOCUMENT OUT.pdf
  local n
  n=$(curl -sS -H "Authorization: Bearer ${token[vanthu]}" "$base/api/v1/documents/$1/versions" |
    jq -r '[.items[].number] | max')
  curl -sS -o "$2" -H "Authorization: Bearer ${token[vanthu]}" \
    "$base/api/v1/documents/$1/versions/$n/content"
}
# sign_digest KEY.pem: the raw signature (base64) over the to_be_signed_digest in $tmp/pending.json
sign_digest() {
  jq -r .to_be_signed_digest "$tmp/pending.json" | base64 -d >"$tmp/digest.bin"
  openssl pkeyutl -sign -inkey "$1" -pkeyopt digest:sha256 -in "$tmp/digest.bin" | base64 -w0
}

mkdir -p "$tmp/nss"
certutil -N -d "sql:$tmp/nss" --empty-password >/dev/null
certutil -A -d "sql:$tmp/nss" -n root -t CT,C,C -i "$data/pki/roots/demo-national-root-ca.pem"

# The leader's key leaves the server's hands: only this test holds it. The server gets the
# certificate alone, as an external key reference.
openssl pkcs12 -in "$data/pki/users/lanhdao.p12" -passin "pass:$p12_password" -nocerts -nodes \
  -out "$tmp/lanhdao.key" 2>/dev/null || fail "extracting the leader's key"
openssl pkcs12 -in "$data/pki/users/lanhdao.p12" -passin "pass:$p12_password" -clcerts -nokeys \
  -out "$tmp/lanhdao.pem" 2>/dev/null || fail "extracting the leader's certificate"
openssl pkcs12 -in "$data/pki/users/phochutich.p12" -passin "pass:$p12_password" -nocerts -nodes \
  -out "$tmp/other.key" 2>/dev/null || fail "extracting another key"
jq -n --rawfile pem "$tmp/lanhdao.pem" '{source:"external", user_id:"user-lanhdao", certificate:$pem}' >"$tmp/key.json"
code=$(curl -sS -o "$tmp/keyref.json" -w '%{http_code}' -X POST "$base/api/v1/keys" \
  -H "Authorization: Bearer ${token[admin]}" -H 'Content-Type: application/json' --data @"$tmp/key.json")
[ "$code" = 201 ] && ok "external key registered" || fail "external key -> $code $(cat "$tmp/keyref.json")"
key=$(jq -r .id "$tmp/keyref.json")

# --- Step 1: the digest to sign; nothing changes -----------------------------------------------
to_signing "Quyết định ký số bằng thiết bị ký của lãnh đạo"
before=$(state_of "$doc")
code=$(act lanhdao "$doc" "{\"action\":\"sign\",\"key_id\":\"$key\"}")
cp "$tmp/act.json" "$tmp/pending.json"
[ "$code" = 202 ] && ok "sign with an external key: 202" || fail "prepare -> $code $(cat "$tmp/act.json")"
pending=$(jq -r .pending_id "$tmp/pending.json")
fields=$(jq -r '[.digest_algorithm, (.to_be_signed_digest_hex | length), (.signed_attributes | length > 0),
  .document_revision, .version, .key_id] | map(tostring) | join(" ")' "$tmp/pending.json")
[ "$fields" = "sha256 64 true $revision 1 $key" ] && ok "the pending signature: $fields" ||
  fail "pending fields: $fields ($(cat "$tmp/pending.json"))"
hex_of_b64=$(jq -r .to_be_signed_digest "$tmp/pending.json" | base64 -d | od -An -tx1 | tr -d ' \n')
[ "$hex_of_b64" = "$(jq -r .to_be_signed_digest_hex "$tmp/pending.json")" ] &&
  ok "the digest in base64 and hex agree" || fail "digest encodings differ"
# The signed attributes hash to the digest the key signs.
attrs_hash=$(jq -r .signed_attributes "$tmp/pending.json" | base64 -d | openssl dgst -sha256 -r | cut -d' ' -f1)
[ "$attrs_hash" = "$hex_of_b64" ] && ok "to_be_signed_digest = sha256(signed_attributes)" ||
  fail "signed attributes hash $attrs_hash"
jq -r .certificate "$tmp/pending.json" | openssl x509 -noout -fingerprint -sha256 >"$tmp/fp1"
openssl x509 -in "$tmp/lanhdao.pem" -noout -fingerprint -sha256 >"$tmp/fp2"
cmp -s "$tmp/fp1" "$tmp/fp2" && ok "the certificate expected is the leader's" || fail "certificate differs"
after=$(state_of "$doc")
[ "$before" = "$after" ] && ok "preparing changed nothing ($after)" || fail "prepare changed $before -> $after"
expires=$(jq -r .expires_at "$tmp/pending.json")
created=$(jq -r .created_at "$tmp/pending.json")
[ $(($(date -d "$expires" +%s) - $(date -d "$created" +%s))) = 900 ] && ok "it expires in 15 minutes" ||
  fail "expiry $created -> $expires"
code=$(act lanhdao "$doc" "{\"action\":\"sign\",\"key_id\":\"$key\",\"password\":\"x\"}")
[ "$code" = 400 ] && ok "a password with an external key: 400" || fail "password with external -> $code"

# --- Refusals that change nothing ---------------------------------------------------------------
wrong=$(sign_digest "$tmp/other.key")
code=$(act lanhdao "$doc" "{\"action\":\"complete_signature\",\"pending_id\":\"$pending\",\"signature_value\":\"$wrong\"}")
[ "$code" = 422 ] && [ "$(jq -r .code "$tmp/act.json")" = signature_mismatch ] &&
  ok "a signature by another key: 422 signature_mismatch" || fail "wrong value -> $code $(cat "$tmp/act.json")"
code=$(act lanhdao "$doc" "{\"action\":\"complete_signature\",\"pending_id\":\"$pending\",\"signature_value\":\"$(head -c 256 /dev/urandom | base64 -w0)\"}")
[ "$code" = 422 ] && [ "$(jq -r .code "$tmp/act.json")" = signature_mismatch ] &&
  ok "random bytes: 422 signature_mismatch" || fail "random value -> $code $(cat "$tmp/act.json")"
good=$(sign_digest "$tmp/lanhdao.key")
code=$(act phochutich "$doc" "{\"action\":\"complete_signature\",\"pending_id\":\"$pending\",\"signature_value\":\"$good\"}")
[ "$code" = 404 ] && ok "another user's pending id: 404" || fail "other user -> $code $(cat "$tmp/act.json")"
code=$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer ${token[phochutich]}" \
  "$base/api/v1/documents/$doc/pending-signatures/$pending")
[ "$code" = 404 ] && ok "another user cannot read the pending signature: 404" || fail "other user GET -> $code"
code=$(act lanhdao "$doc" "{\"action\":\"complete_signature\",\"pending_id\":\"$pending\",\"signature_value\":\"$good\",\"cms\":\"AA==\"}")
[ "$code" = 400 ] && ok "signature_value and cms together: 400" || fail "both -> $code"
code=$(act lanhdao "$doc" "{\"action\":\"approve\",\"pending_id\":\"$pending\"}")
[ "$code" = 400 ] && ok "pending_id with another action: 400" || fail "pending_id on approve -> $code"
after=$(state_of "$doc")
[ "$before" = "$after" ] && ok "after the refusals nothing changed ($after)" || fail "refusals changed $before -> $after"

# --- A restart between the two steps loses nothing ---------------------------------------------
kill "$server_pid"
wait "$server_pid" 2>/dev/null
server_pid=""
start_server
login_all
code=$(curl -sS -o "$tmp/again.json" -w '%{http_code}' -H "Authorization: Bearer ${token[lanhdao]}" \
  "$base/api/v1/documents/$doc/pending-signatures/$pending")
[ "$code" = 200 ] && [ "$(jq -r .to_be_signed_digest "$tmp/again.json")" = "$(jq -r .to_be_signed_digest "$tmp/pending.json")" ] &&
  ok "after a restart the pending signature is still there" || fail "after restart -> $code $(cat "$tmp/again.json")"

curl -sS -o "$tmp/openapi.json" "$base/api/v1/openapi.json"
python3 "$here/openapi_response_check.py" "$tmp/openapi.json" PendingSignature="$tmp/pending.json" \
  PendingSignature="$tmp/again.json" && ok "the answers match the PendingSignature schema" ||
  fail "PendingSignature schema"

# --- Step 2: the signature value goes on; the normal sign act ----------------------------------
step lanhdao "$doc" "{\"action\":\"complete_signature\",\"pending_id\":\"$pending\",\"signature_value\":\"$good\",\"comment\":\"Ký ban hành\"}" signed
[ "$(jq -r .act.action "$tmp/act.json")" = sign ] && ok "the act is sign" || fail "act: $(cat "$tmp/act.json")"
code=$(act lanhdao "$doc" "{\"action\":\"complete_signature\",\"pending_id\":\"$pending\",\"signature_value\":\"$good\"}")
[ "$code" = 409 ] && [ "$(jq -r .code "$tmp/act.json")" = conflict ] && ok "a second completion: 409 conflict" ||
  fail "second completion -> $code $(cat "$tmp/act.json")"
kinds=$(curl -sS -H "Authorization: Bearer ${token[vanthu]}" "$base/api/v1/documents/$doc/versions" |
  jq -r '[.items[].kind] | join(",")')
[ "$kinds" = "upload,signature" ] && ok "versions: $kinds" || fail "versions: $kinds"
audit=$(sqlite3 "$data/vanthu.db" "SELECT group_concat(action, ',') FROM (SELECT action FROM audit_entries WHERE document_id = '$doc' ORDER BY sequence)")
[ "$audit" = "create,submit,approve,approve,sign" ] && ok "audit: $audit" || fail "audit entries: $audit"

latest_pdf "$doc" "$tmp/signed.pdf"
report=$(pdfsig -no-ocsp -nssdir "sql:$tmp/nss" "$tmp/signed.pdf" 2>&1)
[ "$(grep -c "Signature is Valid" <<<"$report")" = 1 ] && [ "$(grep -c "Certificate is Trusted" <<<"$report")" = 1 ] &&
  ok "pdfsig: the externally made signature is valid and trusted" || fail "pdfsig: $report"
"$bin/vanthu-verify" --json --trust "$data/pki/roots/demo-national-root-ca.pem" "$tmp/signed.pdf" >"$tmp/verify.json"
got=$(jq -r '[.signatures[0].certification, .signatures[0].level, .signatures[0].indication, .verdict] | join(" ")' "$tmp/verify.json")
[ "$got" = "form-filling B-T TOTAL_PASSED TOTAL_PASSED" ] && ok "vanthu-verify: $got" ||
  fail "vanthu-verify: $got $(cat "$tmp/verify.json")"
# The certifying update left the number, date and seal fields: the clerk issues on top.
step vanthu "$doc" "{\"action\":\"issue\",\"key_id\":\"key-ubnd-tinh\",\"password\":\"$p12_password\"}" issued
latest_pdf "$doc" "$tmp/issued.pdf"
report=$(pdfsig -no-ocsp -nssdir "sql:$tmp/nss" "$tmp/issued.pdf" 2>&1)
[ "$(grep -c "Signature is Valid" <<<"$report")" = 2 ] && ok "pdfsig: issued, both signatures valid" ||
  fail "pdfsig issued: $report"

# --- An entry past its time is refused ---------------------------------------------------------
to_signing "Quyết định ký muộn"
code=$(act lanhdao "$doc" "{\"action\":\"sign\",\"key_id\":\"$key\"}")
cp "$tmp/act.json" "$tmp/pending.json"
[ "$code" = 202 ] || fail "second prepare -> $code $(cat "$tmp/act.json")"
late=$(jq -r .pending_id "$tmp/pending.json")
sqlite3 "$data/vanthu.db" "UPDATE pending_signatures SET expires_at = expires_at - 3600 WHERE id = '$late'" ||
  fail "ageing the entry"
value=$(sign_digest "$tmp/lanhdao.key")
before=$(state_of "$doc")
code=$(act lanhdao "$doc" "{\"action\":\"complete_signature\",\"pending_id\":\"$late\",\"signature_value\":\"$value\"}")
[ "$code" = 410 ] && [ "$(jq -r .code "$tmp/act.json")" = expired ] && ok "an expired entry: 410 expired" ||
  fail "expired -> $code $(cat "$tmp/act.json")"
[ "$before" = "$(state_of "$doc")" ] && ok "the expired completion changed nothing" || fail "expired changed the document"
# Abandoned a day past its expiry: the entry goes, and its work file with the blob collection.
work_blob=$(sqlite3 "$data/vanthu.db" "SELECT work_blob_hash FROM pending_signatures WHERE id = '$late'")
[ -n "$(find "$data/blobs" -name "$work_blob")" ] && ok "the work file is in the blob store" ||
  fail "no work file $work_blob"
"$bin/vanthu" blobs gc --data "$data" --min-age 0 >"$tmp/gc.out" 2>&1 || fail "blobs gc: $(cat "$tmp/gc.out")"
[ -n "$(find "$data/blobs" -name "$work_blob")" ] && ok "an entry within its retention keeps its work file" ||
  fail "the work file of a recent entry was collected"
sqlite3 "$data/vanthu.db" "UPDATE pending_signatures SET expires_at = expires_at - 2 * 86400 WHERE id = '$late'"
"$bin/vanthu" blobs gc --data "$data" --min-age 0 >"$tmp/gc.out" 2>&1 || fail "blobs gc: $(cat "$tmp/gc.out")"
[ "$(sqlite3 "$data/vanthu.db" "SELECT COUNT(*) FROM pending_signatures WHERE id = '$late'")" = 0 ] &&
  [ -z "$(find "$data/blobs" -name "$work_blob")" ] &&
  ok "an abandoned entry and its work file are removed" || fail "abandoned entry: $(cat "$tmp/gc.out")"
code=$(act lanhdao "$doc" "{\"action\":\"complete_signature\",\"pending_id\":\"$late\",\"signature_value\":\"$value\"}")
[ "$code" = 404 ] && ok "a removed entry: 404" || fail "removed entry -> $code"
kinds=$(curl -sS -H "Authorization: Bearer ${token[vanthu]}" "$base/api/v1/documents/$doc/versions" |
  jq -r '[.items[].kind] | join(",")')
[ "$kinds" = upload ] && ok "the document's own versions are untouched" || fail "versions after gc: $kinds"

# A document that moved on since the digest was handed out: the prepared PDF is stale.
code=$(act lanhdao "$doc" "{\"action\":\"sign\",\"key_id\":\"$key\"}")
cp "$tmp/act.json" "$tmp/pending.json"
stale=$(jq -r .pending_id "$tmp/pending.json")
value=$(sign_digest "$tmp/lanhdao.key")
step lanhdao "$doc" '{"action":"return","comment":"Sửa lại","to_level":3}' review
step chanhvanphong "$doc" '{"action":"approve"}' signing
code=$(act lanhdao "$doc" "{\"action\":\"complete_signature\",\"pending_id\":\"$stale\",\"signature_value\":\"$value\"}")
[ "$code" = 409 ] && ok "a document that moved on since: 409" || fail "stale -> $code $(cat "$tmp/act.json")"

# --- PKCS#11: the signature carries its issuing chain --------------------------------------------
softhsm2-util --init-token --free --label vanthu --pin 123456 --so-pin 654321 >/dev/null
openssl pkcs8 -topk8 -nocrypt -in "$tmp/lanhdao.key" -out "$tmp/lanhdao.pk8"
softhsm2-util --import "$tmp/lanhdao.pk8" --token vanthu --label lanhdao --id 01 --pin 123456 >/dev/null ||
  fail "importing the key into SoftHSM2"
openssl x509 -in "$tmp/lanhdao.pem" -outform DER -out "$tmp/lanhdao.der"
pkcs11-tool --module /usr/lib/softhsm/libsofthsm2.so --token-label vanthu --login --pin 123456 \
  --write-object "$tmp/lanhdao.der" --type cert --id 01 --label lanhdao >/dev/null 2>&1 ||
  fail "importing the certificate into SoftHSM2"
jq -n --rawfile pem "$tmp/lanhdao.pem" \
  '{source:"pkcs11", user_id:"user-lanhdao", uri:"pkcs11:token=vanthu;object=lanhdao;type=private", certificate:$pem}' >"$tmp/key.json"
code=$(curl -sS -o "$tmp/keyref.json" -w '%{http_code}' -X POST "$base/api/v1/keys" \
  -H "Authorization: Bearer ${token[admin]}" -H 'Content-Type: application/json' --data @"$tmp/key.json")
[ "$code" = 201 ] && ok "PKCS#11 key registered" || fail "PKCS#11 key -> $code $(cat "$tmp/keyref.json")"
token_key=$(jq -r .id "$tmp/keyref.json")
to_signing "Quyết định ký bằng HSM"
step lanhdao "$doc" "{\"action\":\"sign\",\"key_id\":\"$token_key\",\"password\":\"123456\"}" signed
latest_pdf "$doc" "$tmp/token.pdf"
report=$(pdfsig -no-ocsp -nssdir "sql:$tmp/nss" "$tmp/token.pdf" 2>&1)
[ "$(grep -c "Signature is Valid" <<<"$report")" = 1 ] && [ "$(grep -c "Certificate is Trusted" <<<"$report")" = 1 ] &&
  ok "pdfsig: the token's signature is trusted with only the root known" || fail "pdfsig token: $report"
(cd "$tmp" && pdfsig -nocert -dump token.pdf >/dev/null 2>&1)
cms=$(ls "$tmp"/token.pdf.sig* 2>/dev/null | head -n 1)
if [ -n "$cms" ]; then
  openssl pkcs7 -inform DER -in "$cms" -print_certs -noout >"$tmp/certs.txt" 2>&1
  for ca in "$data"/pki/ca/*.pem; do
    subject=$(openssl x509 -in "$ca" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')
    issuer=$(openssl x509 -in "$tmp/lanhdao.pem" -noout -issuer -nameopt RFC2253 | sed 's/^issuer=//')
    [ "$subject" = "$issuer" ] || continue
    printed=$(openssl x509 -in "$ca" -noout -subject | sed 's/^subject=//')
    grep -qF "subject=$printed" "$tmp/certs.txt" && ok "the CMS carries the intermediate $printed" ||
      fail "the CMS lacks the intermediate $printed: $(cat "$tmp/certs.txt")"
  done
else
  fail "pdfsig -dump wrote no signature"
fi
chain=$(jq -r '.signatures[0].chain | length' <("$bin/vanthu-verify" --json --trust "$data/pki/roots/demo-national-root-ca.pem" "$tmp/token.pdf"))
[ "$chain" -ge 3 ] && ok "vanthu-verify builds the chain ($chain certificates)" || fail "chain length $chain"

echo "$failures failure(s)"
[ "$failures" = 0 ]
