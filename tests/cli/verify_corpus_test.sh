#!/usr/bin/env bash
# vanthu-verify over the corpus of other producers' signed files and known attacks
# (tests/data/corpus): see corpus_agreement.py for what is judged.
set -uo pipefail
bin=$1
src=$(cd "$(dirname "$0")/../.." && pwd)
corpus=$src/tests/data/corpus
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trust=()
for anchor in "$corpus"/trust/*.pem; do trust+=(--trust "$anchor"); done
"$bin/vanthu-verify" --json "${trust[@]}" "$corpus"/attacks/*.pdf >"$tmp/attacks.jsonl" 2>"$tmp/attacks.err"
"$bin/vanthu-verify" --json "${trust[@]}" "$corpus"/signed/*.pdf >"$tmp/signed.jsonl" 2>"$tmp/signed.err"
status=0
/usr/bin/python3 "$src/tests/cli/verify_report_check.py" "$src/docs/verification-report.schema.json" 'True' \
  <"$tmp/attacks.jsonl" || status=1
/usr/bin/python3 "$src/tests/cli/verify_report_check.py" "$src/docs/verification-report.schema.json" 'True' \
  <"$tmp/signed.jsonl" || status=1
/usr/bin/python3 "$src/tests/cli/corpus_agreement.py" "$corpus/MANIFEST.tsv" "$src/docs/VERIFY.md" \
  "$tmp/attacks.jsonl" "$tmp/signed.jsonl" || status=1
exit $status
