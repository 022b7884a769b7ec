#!/usr/bin/env bash
# `vanthu sign` as a user runs it, with the demo PKI: PKCS#12, external two-phase signing with
# `openssl pkeyutl` standing in for the token at the user's desk, and the errors a user meets.
# pdfsig (trusting the demo root) and qpdf judge the output.
set -uo pipefail
bin=$1
tmp=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$tmp"' EXIT
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
  --reason "Phê duyệt" --number-date-fields --signature-field dau:1:270,105,114,145 >"$tmp/out1" 2>&1 || fail "leader signing: $(cat "$tmp/out1")"
judge "$tmp/1.pdf" 1
# 2. The clerk fills the number; the organisation signs with its seal (an EC key).
"$bin/vanthu" fill --in "$tmp/1.pdf" --out "$tmp/1n.pdf" --field so=15 --field ngay=05 --field thang=01 >"$tmp/outf" 2>&1 || fail "fill: $(cat "$tmp/outf")"
pdftotext "$tmp/1n.pdf" - | grep -c "15" >/dev/null || fail "the number is not on the page"
"$bin/vanthu" fill --in "$tmp/1.pdf" --out "$tmp/x.pdf" --field nope=1 >"$tmp/err" 2>&1
[ $? -eq 1 ] && grep -q "not_found" "$tmp/err" || fail "fill of an unknown field: $(cat "$tmp/err")"
mv "$tmp/1n.pdf" "$tmp/1.pdf"
"$bin/vanthu" sign --in "$tmp/1.pdf" --out "$tmp/2.pdf" --p12 "$pki/orgs/000.00.00.H55.p12" --password-env P12_PASSWORD \
  --appearance organisation --image "$tmp/var/images/seals/000.00.00.H55.png" \
  --name "Ủy ban nhân dân tỉnh Thái Nguyên" --field dau >"$tmp/out2" 2>&1 || fail "seal: $(cat "$tmp/out2")"
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

# 6. Long-term levels against real services: the demo CRLs published by vanthu-server where the
#    certificates point, and `vanthu tsa` with the demo TSA key.
wait_for() {  # wait_for FILE PATTERN -> prints the first match of the sed PATTERN
  local found=""
  for _ in $(seq 1 100); do
    found=$(sed -n "$2" "$1" 2>/dev/null | head -n 1)
    [ -n "$found" ] && break
    sleep 0.1
  done
  echo "$found"
}
port=""
for candidate in $(seq $((20000 + $$ % 20000)) $((20040 + $$ % 20000))); do
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then port=$candidate; break; fi
done
"$bin/vanthu" demo init --dir "$tmp/lt" --quiet --pki-base-url "http://127.0.0.1:$port/pki/" >/dev/null 2>&1
"$bin/vanthu-server" --data "$tmp/lt" --port "$port" --log-level error >"$tmp/server.out" 2>&1 &
pids+=($!)
[ -n "$(wait_for "$tmp/server.out" 's|.*listening on \(http://[^ ]*\).*|\1|p')" ] || fail "vanthu-server did not start"
"$bin/vanthu" tsa --p12 "$tmp/lt/pki/tsa/tsa.p12" --password-env P12_PASSWORD >"$tmp/tsa.out" 2>&1 &
pids+=($!)
tsa=$(wait_for "$tmp/tsa.out" 's|.*listening on \(http://[^ ]*\).*|\1|p')
[ -n "$tsa" ] || fail "vanthu tsa did not start: $(cat "$tmp/tsa.out")"
ltpki=$tmp/lt/pki
certutil -N -d "sql:$tmp/nss-lt" --empty-password >/dev/null 2>&1 || { mkdir -p "$tmp/nss-lt"; certutil -N -d "sql:$tmp/nss-lt" --empty-password >/dev/null; }
certutil -A -d "sql:$tmp/nss-lt" -n root -t CT,C,C -i "$ltpki/roots/demo-national-root-ca.pem"
"$bin/vanthu" sign --in "$tmp/lt/samples/ke-hoach.pdf" --out "$tmp/lta.pdf" --p12 "$ltpki/users/lanhdao.p12" \
  --password-env P12_PASSWORD --level B-LTA --tsa "$tsa" --trust "$ltpki/roots/demo-national-root-ca.pem" \
  --revocation-check required >"$tmp/out6" 2>&1 || fail "B-LTA signing: $(cat "$tmp/out6")"
report=$(pdfsig -no-ocsp -nssdir "sql:$tmp/nss-lt" "$tmp/lta.pdf" 2>&1)
grep -q "Signature is Valid" <<<"$report" || fail "B-LTA: the signature is not valid: $report"
grep -q "Demo Time Stamping Authority" <<<"$report" || fail "B-LTA: no document time-stamp: $report"
mutool show "$tmp/lta.pdf" trailer/Root/DSS | grep -c "/CRLs" >/dev/null || fail "B-LTA: no CRLs in the DSS"
qpdf --check "$tmp/lta.pdf" >/dev/null || fail "B-LTA: qpdf --check"
# Extending an earlier B-B file.
"$bin/vanthu" sign --in "$tmp/lt/samples/quyet-dinh.pdf" --out "$tmp/plain.pdf" --p12 "$ltpki/users/phochutich.p12" \
  --password-env P12_PASSWORD >"$tmp/out7" 2>&1 || fail "B-B for extending: $(cat "$tmp/out7")"
"$bin/vanthu" sign --in "$tmp/plain.pdf" --out "$tmp/extended.pdf" --extend B-LT --tsa "$tsa" \
  --trust "$ltpki/roots/demo-national-root-ca.pem" >"$tmp/out8" 2>&1 || fail "extend: $(cat "$tmp/out8")"
cmp -n "$(stat -c %s "$tmp/plain.pdf")" "$tmp/plain.pdf" "$tmp/extended.pdf" || fail "extending changed earlier bytes"
mutool show "$tmp/extended.pdf" trailer/Root/DSS | grep -c "/Certs" >/dev/null || fail "extend: no DSS"
# The revoked demo certificate is refused, with the reason.
"$bin/vanthu" sign --in "$in" --out "$tmp/revoked.pdf" --p12 "$ltpki/revoked/truongphong-old.p12" \
  --password-env P12_PASSWORD >"$tmp/err" 2>&1
[ $? -eq 1 ] && grep -q "certificate_invalid" "$tmp/err" && grep -q "revoked" "$tmp/err" \
  || fail "revoked certificate: $(cat "$tmp/err")"
[ -e "$tmp/revoked.pdf" ] && fail "a refused signing wrote an output"
# The TSA down: a precise error, no output.
kill "${pids[1]}"; wait "${pids[1]}" 2>/dev/null
"$bin/vanthu" sign --in "$in" --out "$tmp/no-tsa.pdf" --p12 "$ltpki/users/lanhdao.p12" --password-env P12_PASSWORD \
  --level B-T --tsa "$tsa" >"$tmp/err" 2>&1
[ $? -eq 1 ] && grep -q "io_failure" "$tmp/err" || fail "TSA down: $(cat "$tmp/err")"
[ -e "$tmp/no-tsa.pdf" ] && fail "a failed B-T signing wrote an output"

echo "$failures failed"
[ "$failures" -eq 0 ]
