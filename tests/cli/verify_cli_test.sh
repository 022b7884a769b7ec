#!/usr/bin/env bash
# `vanthu-verify` as a user runs it. Judged against what we know is true:
#  1. every file our signer writes (B-B .. B-LTA, the three-signer Decree 30 flow) is TOTAL_PASSED
#     against the demo root, at the level it claims, with no change after it but allowed ones;
#  2. attacks built from our own signed files (ISA, shadow re-pointing, evil annotation, sneaky
#     signature, SWA, USF) never come out TOTAL_PASSED with changes NONE;
#  3. unknown, revoked and expired signers get the ETSI sub-indication they deserve;
#  4. damaged files and resource limits: a report per file, the batch goes on.
# Every JSON report is validated against docs/verification-report.schema.json.
set -uo pipefail
bin=$1
src=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
export VANTHU_DEMO_PASSWORD=${VANTHU_DEMO_PASSWORD:-demo-test-password}
export P12_PASSWORD=vanthu-demo-p12
schema=$src/docs/verification-report.schema.json
check=$src/tests/cli/verify_report_check.py

# expect NAME CODE EXPRESSION -- vanthu-verify ARGS...: exit CODE, JSON valid, EXPRESSION holds.
expect() {
  local name=$1 code=$2 expression=$3
  shift 4
  "$bin/vanthu-verify" --json "$@" >"$tmp/report.jsonl" 2>"$tmp/err"
  local got=$?
  if [ "$got" -ne "$code" ]; then
    fail "$name: exit $got (want $code): $(cat "$tmp/err") $(head -c 3000 "$tmp/report.jsonl")"
  elif ! /usr/bin/python3 "$check" "$schema" "$expression" <"$tmp/report.jsonl" >"$tmp/check.out" 2>&1; then
    fail "$name: $(cat "$tmp/check.out")"
  else
    echo "ok: $name"
  fi
}

port=""
for candidate in $(seq $((21000 + $$ % 20000)) $((21040 + $$ % 20000))); do
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then port=$candidate; break; fi
done
wait_for() {  # wait_for FILE PATTERN -> prints the first match of the sed PATTERN
  local found=""
  for _ in $(seq 1 100); do
    found=$(sed -n "$2" "$1" 2>/dev/null | head -n 1)
    [ -n "$found" ] && break
    sleep 0.1
  done
  echo "$found"
}
"$bin/vanthu" demo init --dir "$tmp/var" --quiet --pki-base-url "http://127.0.0.1:$port/pki/" >/dev/null 2>&1 \
  || { echo "demo init failed"; exit 1; }
pki=$tmp/var/pki
root=$pki/roots/demo-national-root-ca.pem
"$bin/vanthu-server" --data "$tmp/var" --port "$port" --log-level error >"$tmp/server.out" 2>&1 &
pids+=($!)
[ -n "$(wait_for "$tmp/server.out" 's|.*listening on \(http://[^ ]*\).*|\1|p')" ] || fail "vanthu-server did not start"
"$bin/vanthu" tsa --p12 "$pki/tsa/tsa.p12" --password-env P12_PASSWORD >"$tmp/tsa.out" 2>&1 &
pids+=($!)
tsa=$(wait_for "$tmp/tsa.out" 's|.*listening on \(http://[^ ]*\).*|\1|p')
[ -n "$tsa" ] || fail "vanthu tsa did not start: $(cat "$tmp/tsa.out")"
sign() {  # sign IN OUT P12 [ARGS...]
  local in=$1 out=$2 p12=$3
  shift 3
  "$bin/vanthu" sign --in "$in" --out "$out" --p12 "$p12" --password-env P12_PASSWORD "$@" >"$tmp/sign.out" 2>&1 \
    || fail "signing $out: $(cat "$tmp/sign.out")"
}
samples=$tmp/var/samples
passed='r["verdict"] == "TOTAL_PASSED" and all(x["indication"] == "TOTAL_PASSED" for x in s)'

# 1. Our own files.
for level in B-B B-T B-LT B-LTA; do
  for doc in quyet-dinh ke-hoach; do
    sign "$samples/$doc.pdf" "$tmp/$doc-$level.pdf" "$pki/users/lanhdao.p12" --level "$level" --tsa "$tsa" \
      --trust "$root" --revocation-check best-effort
    expect "$doc at $level" 0 "$passed and s[0][\"level\"] == \"$level\" and s[0][\"modifications_after\"] in (\"NONE\", \"LTA_UPDATES\")" \
      -- --trust "$root" "$tmp/$doc-$level.pdf"
  done
done
expect "B-LTA has a document time-stamp" 0 'any(x["kind"] == "document-timestamp" and x["indication"] == "TOTAL_PASSED" for x in s)' \
  -- --trust "$root" "$tmp/ke-hoach-B-LTA.pdf"
# The Decree 30 flow: leader certifies (P=2) with the number/date and seal fields; the clerk
# fills; the organisation signs the seal field with an EC key.
sign "$samples/quyet-dinh.pdf" "$tmp/flow1.pdf" "$pki/users/lanhdao.p12" --certify form-filling \
  --visible 1:334,175,150,90 --image "$tmp/var/images/signatures/lanhdao.png" --number-date-fields \
  --signature-field dau:1:270,105,114,145
"$bin/vanthu" fill --in "$tmp/flow1.pdf" --out "$tmp/flow2.pdf" --field so=15 --field ngay=05 --field thang=01 \
  >"$tmp/fill.out" 2>&1 || fail "fill: $(cat "$tmp/fill.out")"
sign "$tmp/flow2.pdf" "$tmp/flow3.pdf" "$pki/orgs/000.00.00.H55.p12" --appearance organisation \
  --image "$tmp/var/images/seals/000.00.00.H55.png" --name "Ủy ban nhân dân tỉnh Thái Nguyên" --field dau
expect "three signers" 0 "$passed and len(s) == 2 and s[0][\"certification\"] == \"form-filling\" and s[0][\"modifications_after\"] == \"FORM_FILLING\" and s[1][\"modifications_after\"] == \"NONE\"" \
  -- --trust "$root" "$tmp/flow3.pdf"
expect "human report" 0 'True' -- --trust "$root" "$tmp/flow3.pdf"
"$bin/vanthu-verify" --trust "$root" "$tmp/flow3.pdf" >"$tmp/human.txt" 2>&1
grep -q "verdict: TOTAL_PASSED" "$tmp/human.txt" && grep -q "FORM_FILLING" "$tmp/human.txt" \
  || fail "human report: $(cat "$tmp/human.txt")"

# 2. Attacks built from our files (tests/cli/make_attacks.py writes valid incremental updates).
/usr/bin/python3 "$src/tests/cli/make_attacks.py" "$tmp/quyet-dinh-B-B.pdf" "$tmp/flow1.pdf" "$samples/cong-van.pdf" \
  "$tmp/attacks" >"$tmp/attacks.out" 2>&1 || fail "make_attacks: $(cat "$tmp/attacks.out")"
sign "$samples/cong-van.pdf" "$tmp/cong-van-signed.pdf" "$pki/users/lanhdao.p12"
/usr/bin/python3 "$src/tests/cli/make_attacks.py" --repoint "$tmp/cong-van-signed.pdf" "$tmp/attacks/shadow-repoint.pdf" \
  >>"$tmp/attacks.out" 2>&1 || fail "make_attacks --repoint: $(cat "$tmp/attacks.out")"
notpassed='not any(x["indication"] == "TOTAL_PASSED" and x["modifications_after"] == "NONE" for x in s) and r["verdict"] != "TOTAL_PASSED"'
for attack in "$tmp"/attacks/*.pdf; do
  name=$(basename "$attack" .pdf)
  code=1
  case $name in
    isa-*|shadow-*) want='s[0]["modifications_after"] == "OTHER" and s[0]["indication"] == "TOTAL_FAILED"' ;;
    recovery-*) code=2 want='s[0]["indication"] == "INDETERMINATE" and len(r["problems"]) > 0' ;;
    evil-annotation) want='s[0]["modifications_after"] == "ANNOTATIONS" and s[0]["indication"] == "TOTAL_FAILED"' ;;
    swa-*|usf-*) want='s[0]["indication"] == "TOTAL_FAILED" and s[0]["subindication"] == "FORMAT_FAILURE"' ;;
    *) want='True' ;;
  esac
  expect "attack $name" "$code" "$notpassed and $want" -- --trust "$root" "$attack"
done
# The sneaky signature: a new visible signature field under a P=2 certification.
sign "$tmp/flow1.pdf" "$tmp/sneaky.pdf" "$pki/users/phochutich.p12" --visible 1:50,50,150,60
expect "sneaky signature" 2 'r["verdict"] == "INDETERMINATE" and s[0]["indication"] == "INDETERMINATE" and "visible signature" in " ".join(s[0]["errors"])' \
  -- --trust "$root" "$tmp/sneaky.pdf"

# 3. Signers: unknown (self-signed), revoked (online CRL), expired (validation time after expiry).
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/self.key" -out "$tmp/self.pem" -days 30 \
  -subj "/CN=Tu ky" >/dev/null 2>&1
openssl pkcs12 -export -inkey "$tmp/self.key" -in "$tmp/self.pem" -out "$tmp/self.p12" -passout env:P12_PASSWORD
sign "$samples/quyet-dinh.pdf" "$tmp/self-signed.pdf" "$tmp/self.p12" --allow-invalid-certificate
expect "unknown signer" 2 's[0]["indication"] == "INDETERMINATE" and s[0]["subindication"] == "NO_CERTIFICATE_CHAIN_FOUND" and s[0]["integrity"]' \
  -- --trust "$root" "$tmp/self-signed.pdf"
sign "$samples/quyet-dinh.pdf" "$tmp/revoked.pdf" "$pki/revoked/truongphong-old.p12" --revocation-check off \
  --allow-invalid-certificate
expect "revoked signer, online" 2 's[0]["indication"] == "INDETERMINATE" and s[0]["subindication"] == "REVOKED_NO_POE" and s[0]["revocation"]["status"] == "revoked"' \
  -- --trust "$root" --online "$tmp/revoked.pdf"
expect "expired at the validation time" 2 's[0]["indication"] == "INDETERMINATE" and s[0]["subindication"] == "OUT_OF_BOUNDS_NO_POE"' \
  -- --trust "$root" --at 2199-01-01T00:00:00Z "$tmp/quyet-dinh-B-B.pdf"
expect "no trust anchor" 2 's[0]["subindication"] == "NO_CERTIFICATE_CHAIN_FOUND" and not s[0]["trusted"]' \
  -- "$tmp/quyet-dinh-B-B.pdf"

# 4. Damaged input and limits: each file gets its report, the batch goes on.
head -c 3000 "$tmp/quyet-dinh-B-B.pdf" >"$tmp/truncated.pdf"
printf 'not a pdf at all' >"$tmp/garbage.pdf"
: >"$tmp/empty.pdf"
expect "damaged files in one batch" 3 'r["readable"] == False or r["verdict"] != "TOTAL_PASSED"' \
  -- --trust "$root" "$tmp/truncated.pdf" "$tmp/garbage.pdf" "$tmp/empty.pdf" "$tmp/missing.pdf"
for damaged in "$src"/tests/data/damaged/*.pdf; do
  "$bin/vanthu-verify" --json "$damaged" >"$tmp/damaged.json" 2>/dev/null
  code=$?
  [ "$code" -ge 1 ] && [ "$code" -le 3 ] || fail "$(basename "$damaged"): exit $code"
  /usr/bin/python3 "$check" "$schema" 'True' <"$tmp/damaged.json" >"$tmp/check.out" || fail "$(basename "$damaged"): $(cat "$tmp/check.out")"
done
# A file that never finishes reading (a FIFO nobody writes to) stands for a parser that hangs:
# the worker is stopped at the time limit and the next file is still verified.
mkfifo "$tmp/hang.pdf"
expect "a hang is cut at the time limit" 3 'r["readable"] == False and "did not finish" in r["error"] or r["verdict"] == "TOTAL_PASSED"' \
  -- --trust "$root" --timeout 2 "$tmp/hang.pdf" "$tmp/quyet-dinh-B-B.pdf"
# AddressSanitizer reserves terabytes of address space, so sanitizer builds do not limit it.
if ldd "$bin/vanthu-verify" | grep -c libasan >/dev/null; then  # -c reads all: no SIGPIPE under pipefail
  echo "skipped: the memory limit under AddressSanitizer (the worker does not set one there)"
else
  # A limit below what the worker holds before reading is refused, whatever the kernel does.
  "$bin/vanthu-verify" --json --max-memory 8 "$tmp/quyet-dinh-B-B.pdf" >"$tmp/oom.json" 2>"$tmp/oom.err"
  [ $? -eq 3 ] && grep -q '"readable":false' "$tmp/oom.json" &&
    grep -q 'memory limit of 8 MiB is below' "$tmp/oom.json" ||
    fail "a memory limit below the worker's footprint: $(cat "$tmp/oom.json" "$tmp/oom.err")"
  # A file that needs more than the limit: 256 MiB (sparse) cannot be mapped under 128 MiB.
  if (ulimit -v 65536 && exec python3 -c 'bytearray(128 << 20)') 2>/dev/null; then
    echo "skipped: this kernel does not enforce RLIMIT_AS, so an out-of-memory file cannot be provoked"
  else
    cp "$tmp/quyet-dinh-B-B.pdf" "$tmp/huge.pdf"
    truncate -s 256M "$tmp/huge.pdf"
    "$bin/vanthu-verify" --json --max-memory 128 "$tmp/huge.pdf" >"$tmp/oom2.json" 2>"$tmp/oom2.err"
    [ $? -eq 3 ] && grep -q '"readable":false' "$tmp/oom2.json" &&
      grep -q 'Cannot allocate memory' "$tmp/oom2.json" ||
      fail "a worker out of memory: $(cat "$tmp/oom2.json" "$tmp/oom2.err")"
    rm -f "$tmp/huge.pdf"
  fi
fi

[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "all vanthu-verify checks passed"
