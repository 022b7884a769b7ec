#!/usr/bin/env bash
# `vanthu sign` as a user runs it, with the demo PKI: PKCS#12, external two-phase signing with
# `openssl pkeyutl` standing in for the token at the user's desk, and the errors a user meets.
# pdfsig (trusting the demo root) and qpdf judge the output.
set -uo pipefail
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
export VANTHU_DEMO_PASSWORD=${VANTHU_DEMO_PASSWORD:-demo-test-password}
export P12_PASSWORD=vanthu-demo-p12

"$bin/vanthu" demo init --dir "$tmp/var" --quiet >/dev/null 2>&1 || { echo "demo init failed"; exit 1; }
pki=$tmp/var/pki
mkdir -p "$tmp/nss"
certutil -N -d "sql:$tmp/nss" --empty-password >/dev/null
certutil -A -d "sql:$tmp/nss" -n root -t CT,C,C -i "$pki/roots/demo-national-root-ca.pem"
judge() {  # judge FILE EXPECTED_VALID
  local report
  report=$(pdfsig -no-ocsp -nssdir "sql:$tmp/nss" "$1" 2>&1)
  [ "$(grep -c 'Signature is Valid' <<<"$report")" -eq "$2" ] || fail "$1: expected $2 valid: $report"
  [ "$(grep -c 'Certificate is Trusted' <<<"$report")" -eq "$2" ] || fail "$1: expected $2 trusted: $report"
  grep -q "Total document signed" <<<"$report" || fail "$1: not totally signed"
  qpdf --check "$1" >/dev/null || fail "$1: qpdf --check"
}

in=$tmp/var/samples/quyet-dinh.pdf
# 1. The leader certifies with a visible signature and the clerk's number/date fields.
"$bin/vanthu" sign --in "$in" --out "$tmp/1.pdf" --p12 "$pki/users/lanhdao.p12" --password-env P12_PASSWORD \
  --certify form-filling --visible 1:334,175,150,90 --image "$tmp/var/images/signatures/lanhdao.png" \
  --reason "Phê duyệt" --text-field so:1:146,726,22,15 >"$tmp/out1" 2>&1 || fail "leader signing: $(cat "$tmp/out1")"
judge "$tmp/1.pdf" 1
# 2. The organisation signs with its seal (an EC key).
"$bin/vanthu" sign --in "$tmp/1.pdf" --out "$tmp/2.pdf" --p12 "$pki/orgs/000.00.00.H55.p12" --password-env P12_PASSWORD \
  --appearance organisation --image "$tmp/var/images/seals/000.00.00.H55.png" \
  --name "Ủy ban nhân dân tỉnh Thái Nguyên" --visible 1:270,105,114,145 >"$tmp/out2" 2>&1 || fail "seal: $(cat "$tmp/out2")"
judge "$tmp/2.pdf" 2
cmp -n "$(stat -c %s "$tmp/1.pdf")" "$tmp/1.pdf" "$tmp/2.pdf" || fail "the first revision changed"

# 3. External signing: phase one prints the digest; the "token" signs it; phase two embeds it.
openssl pkcs12 -in "$pki/users/phochutich.p12" -passin env:P12_PASSWORD -nokeys -clcerts -out "$tmp/deputy.pem" 2>/dev/null
openssl pkcs12 -in "$pki/users/phochutich.p12" -passin env:P12_PASSWORD -nocerts -nodes -out "$tmp/deputy.key" 2>/dev/null
"$bin/vanthu" sign --in "$in" --out "$tmp/3.pdf" --external --cert "$tmp/deputy.pem" \
  --chain "$pki/chain/demo-government-ca-chain.pem" >"$tmp/phase1" 2>&1 || fail "phase one: $(cat "$tmp/phase1")"
digest=$(awk '$1 == "digest" {print $3}' "$tmp/phase1")
[ ${#digest} -eq 64 ] || fail "phase one printed no SHA-256 digest: $(cat "$tmp/phase1")"
[ -f "$tmp/3.pdf" ] && fail "phase one already wrote the output"
printf "$(sed 's/../\\x&/g' <<<"$digest")" >"$tmp/digest.bin"
openssl pkeyutl -sign -inkey "$tmp/deputy.key" -pkeyopt digest:sha256 -in "$tmp/digest.bin" -out "$tmp/sig.bin" || fail "token signing"
"$bin/vanthu" sign --complete "$tmp/3.pdf.prepared" --signature "$tmp/sig.bin" --out "$tmp/3.pdf" >"$tmp/phase2" 2>&1 \
  || fail "phase two: $(cat "$tmp/phase2")"
judge "$tmp/3.pdf" 1

# 4. A key on a PKCS#11 token (SoftHSM2): the key never leaves it.
export SOFTHSM2_CONF=$tmp/softhsm2.conf
mkdir -p "$tmp/tokens"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' "$tmp/tokens" >"$SOFTHSM2_CONF"
softhsm2-util --init-token --free --label vanthu --pin 123456 --so-pin 654321 >/dev/null
openssl pkcs12 -in "$pki/users/truongphong.p12" -passin env:P12_PASSWORD -nocerts -nodes 2>/dev/null \
  | openssl pkcs8 -topk8 -nocrypt -out "$tmp/head.pk8"
softhsm2-util --import "$tmp/head.pk8" --token vanthu --label truongphong --id 01 --pin 123456 >/dev/null \
  || fail "importing the key into SoftHSM2"
rm -f "$tmp/head.pk8"
export TOKEN_PIN=123456
"$bin/vanthu" sign --in "$in" --out "$tmp/4.pdf" --pkcs11 "pkcs11:token=vanthu;object=truongphong;type=private" \
  --pin-env TOKEN_PIN --cert "$pki/users/truongphong.pem" --chain "$pki/chain/demo-government-ca-chain.pem" \
  >"$tmp/out4" 2>&1 || fail "PKCS#11 signing: $(cat "$tmp/out4")"
judge "$tmp/4.pdf" 1
TOKEN_PIN=000000 "$bin/vanthu" sign --in "$in" --out "$tmp/x.pdf" --pkcs11 "pkcs11:token=vanthu;object=truongphong;type=private" \
  --pin-env TOKEN_PIN --cert "$pki/users/truongphong.pem" >"$tmp/err" 2>&1
[ $? -eq 1 ] && grep -q "invalid_password" "$tmp/err" || fail "wrong PIN: $(cat "$tmp/err")"
"$bin/vanthu" sign --in "$in" --out "$tmp/x.pdf" --pkcs11 "pkcs11:token=absent;object=truongphong;type=private" \
  --pin-env TOKEN_PIN --cert "$pki/users/truongphong.pem" >"$tmp/err" 2>&1
[ $? -eq 1 ] && grep -q "not_found" "$tmp/err" || fail "absent token: $(cat "$tmp/err")"

# 5. Errors: a wrong password, a file that is not a PDF, an unknown flag, a bad box.
P12_PASSWORD=wrong "$bin/vanthu" sign --in "$in" --out "$tmp/x.pdf" --p12 "$pki/users/lanhdao.p12" --password-env P12_PASSWORD >"$tmp/err" 2>&1
[ $? -eq 1 ] && grep -q "invalid_password" "$tmp/err" || fail "wrong password: $(cat "$tmp/err")"
echo "not a pdf" >"$tmp/not.pdf"
"$bin/vanthu" sign --in "$tmp/not.pdf" --out "$tmp/x.pdf" --p12 "$pki/users/lanhdao.p12" --password-env P12_PASSWORD >"$tmp/err" 2>&1
[ $? -eq 1 ] && grep -q "invalid_pdf" "$tmp/err" || fail "not a PDF: $(cat "$tmp/err")"
"$bin/vanthu" sign --in "$in" --out "$tmp/x.pdf" --p12 "$pki/users/lanhdao.p12" --password-env P12_PASSWORD --visble 1:1,1,1,1 >"$tmp/err" 2>&1
[ $? -eq 2 ] || fail "unknown flag: $(cat "$tmp/err")"
"$bin/vanthu" sign --in "$in" --out "$tmp/x.pdf" --p12 "$pki/users/lanhdao.p12" --password-env P12_PASSWORD --visible 1:0,0,-5,9 >"$tmp/err" 2>&1
[ $? -eq 2 ] || fail "bad box: $(cat "$tmp/err")"
[ -e "$tmp/x.pdf" ] && fail "a failed signing left an output"
ls "$tmp" | grep -q partial && fail "a failed signing left a partial file"

echo "$failures failed"
[ "$failures" -eq 0 ]
