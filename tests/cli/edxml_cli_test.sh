#!/usr/bin/env bash
# `vanthu edxml pack|unpack|validate` as a user meets it: a real PDF and attachments packed with
# JSON metadata and flags, unpacked byte for byte (judged by cmp and qpdf --check), and bad
# packages refused with exit 1, unreadable ones with exit 3.
set -uo pipefail
bin=$1
source_dir=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
source "$(dirname "$0")/lib.sh"

pdf="$source_dir/tests/data/corpus/unsigned/pyhanko_minimal-two-fields.pdf"
check "the sample PDF passes qpdf --check" "qpdf --check '$pdf' >/dev/null 2>&1"
printf 'Phụ lục I: danh mục hồ sơ\n' >"$tmp/phu-luc-1.txt"
head -c 70000 /dev/urandom >"$tmp/scan.bin"
cat >"$tmp/metadata.json" <<'JSON'
{
  "from": {"organ_id": "000.00.00.H49", "organ_name": "Ủy ban nhân dân tỉnh Quảng Ninh"},
  "to": [{"organ_id": "000.00.01.H49", "organ_name": "Sở Nội vụ"},
         {"organ_id": "000.00.02.H49", "organ_name": "Sở Tài chính"}],
  "code_number": "267", "code_notation": "UBND-TTĐT",
  "place": "Quảng Ninh", "promulgation_date": "29/11/2026",
  "type": 18, "type_name": "Công văn",
  "subject": "V/v triển khai chuyển đổi số",
  "signer": {"competence": "KT. CHỦ TỊCH", "position": "PHÓ CHỦ TỊCH", "full_name": "Nguyễn Văn Thắng"},
  "priority": 1,
  "to_places": ["Như trên;", "Lưu: VT."]
}
JSON

expect 0 "wrote .*package.edxml \(3 attachments\)" -- "$bin/vanthu" edxml pack --pdf "$pdf" \
  --metadata "$tmp/metadata.json" --attach "$tmp/phu-luc-1.txt" --attach "$tmp/scan.bin" \
  --to 000.00.01.H49 --to 000.00.03.H49 --subject "V/v chuyển đổi số (sửa)" --out "$tmp/package.edxml"
check "the package is written in the edXML namespace with the prefix" \
  "grep -q '<edXML:edXMLEnvelope>' '$tmp/package.edxml' && grep -q 'xmlns:edXML=\"http://www.mic.gov.vn/TBT/QCVN_102_2016\"' '$tmp/package.edxml'"
check "dates are written year first" "grep -q '<PromulgationDate>2026/11/29</PromulgationDate>' '$tmp/package.edxml'"
check "no half-written package is left" "[ ! -e '$tmp/package.edxml.partial' ]"
check "xmllint reads the package without network" "xmllint --nonet --noout '$tmp/package.edxml'"
check "the shipped XSD accepts it in xmllint too" \
  "xmllint --nonet --noout --schema '$source_dir/samples/edxml/edxml.xsd' '$tmp/package.edxml' 2>/dev/null"
expect 0 "is a valid edXML package \(3 attachments, from 000.00.00.H49\)" -- "$bin/vanthu" edxml validate "$tmp/package.edxml"

expect 0 "unpacked 3 attachments" -- "$bin/vanthu" edxml unpack "$tmp/package.edxml" --out "$tmp/unpacked"
check "the unpacked PDF is byte-identical" "cmp -s '$pdf' '$tmp/unpacked/pyhanko_minimal-two-fields.pdf'"
check "qpdf --check passes on the unpacked PDF" "qpdf --check '$tmp/unpacked/pyhanko_minimal-two-fields.pdf' >/dev/null 2>&1"
check "the attachments are byte-identical" \
  "cmp -s '$tmp/phu-luc-1.txt' '$tmp/unpacked/phu-luc-1.txt' && cmp -s '$tmp/scan.bin' '$tmp/unpacked/scan.bin'"
check "metadata.json holds the flags over the JSON" \
  "jq -e '.subject == \"V/v chuyển đổi số (sửa)\" and ([.to[].organ_id] == [\"000.00.01.H49\", \"000.00.03.H49\"]) and .promulgation_date == \"2026/11/29\" and .signer.full_name == \"Nguyễn Văn Thắng\" and .attachments[0].content_type == \"application/pdf\" and (.attachments | length) == 3' '$tmp/unpacked/metadata.json' >/dev/null"
expect 2 "not empty" -- "$bin/vanthu" edxml unpack "$tmp/package.edxml" --out "$tmp/unpacked"

# Packing what was unpacked gives the same metadata (the round trip through the CLI).
expect 0 "wrote" -- "$bin/vanthu" edxml pack --pdf "$tmp/unpacked/pyhanko_minimal-two-fields.pdf" \
  --metadata "$tmp/unpacked/metadata.json" --attach "$tmp/unpacked/phu-luc-1.txt" --attach "$tmp/unpacked/scan.bin" \
  --out "$tmp/again.edxml"
expect 0 "unpacked" -- "$bin/vanthu" edxml unpack "$tmp/again.edxml" --out "$tmp/again"
check "metadata survives pack, unpack, pack, unpack" \
  "[ -s '$tmp/again/metadata.json' ] && diff <(jq 'del(.attachments[].content_id)' '$tmp/unpacked/metadata.json') <(jq 'del(.attachments[].content_id)' '$tmp/again/metadata.json') >/dev/null"

# Invalid packages: exit 1 with the line and what is wrong.
sed 's|<Priority>1</Priority>|<Priority>9</Priority>|' "$tmp/package.edxml" >"$tmp/priority.edxml"
expect 1 "invalid: schema_invalid: .*priority.edxml:[0-9]+: .*Priority" -- "$bin/vanthu" edxml validate "$tmp/priority.edxml"
sed 's|<OrganId>000.00.03.H49</OrganId>|<OrganId>001.00.03.H49</OrganId>|' "$tmp/package.edxml" >"$tmp/agency.edxml"
expect 1 "invalid: bad_agency_code: .*agency.edxml:[0-9]+: .*001.00.03.H49" -- "$bin/vanthu" edxml validate "$tmp/agency.edxml"
{ echo '<?xml version="1.0"?>'; echo '<!DOCTYPE edXML [<!ENTITY x SYSTEM "file:///etc/passwd">]>'; tail -n +2 "$tmp/package.edxml"; } >"$tmp/xxe.edxml"
expect 1 "invalid: doctype_refused: .*xxe.edxml:2:" -- "$bin/vanthu" edxml validate "$tmp/xxe.edxml"
expect 1 "invalid: doctype_refused" -- "$bin/vanthu" edxml unpack "$tmp/xxe.edxml" --out "$tmp/xxe"
check "nothing is unpacked from a refused package" "[ ! -e '$tmp/xxe' ]"
printf 'not xml' >"$tmp/garbage.edxml"
expect 1 "invalid: not_well_formed" -- "$bin/vanthu" edxml validate "$tmp/garbage.edxml"
expect 3 "cannot read .*absent.edxml" -- "$bin/vanthu" edxml validate "$tmp/absent.edxml"
mkdir "$tmp/a-directory.edxml"
expect 3 "cannot read" -- "$bin/vanthu" edxml validate "$tmp/a-directory.edxml"

# Attachment names come from another agency: a path in one never leaves the directory.
sed 's|<AttachmentName>phu-luc-1.txt</AttachmentName>|<AttachmentName>../../escaped.txt</AttachmentName>|g; s|<AttachmentName>scan.bin</AttachmentName>|<AttachmentName>metadata.json</AttachmentName>|g' \
  "$tmp/package.edxml" >"$tmp/paths.edxml"
expect 0 "unpacked 3 attachments" -- "$bin/vanthu" edxml unpack "$tmp/paths.edxml" --out "$tmp/paths/inner"
check "a path in an attachment name stays inside the directory" \
  "[ ! -e '$tmp/escaped.txt' ] && [ ! -e '$tmp/paths/escaped.txt' ] && cmp -s '$tmp/phu-luc-1.txt' '$tmp/paths/inner/escaped.txt'"
check "an attachment named metadata.json does not replace the metadata" \
  "cmp -s '$tmp/scan.bin' '$tmp/paths/inner/2-metadata.json' && jq -e '.attachments[2].file == \"2-metadata.json\"' '$tmp/paths/inner/metadata.json' >/dev/null"

# The shipped examples are valid, to us and to xmllint with the shipped XSDs.
expect 0 "is a valid edXML package \(2 attachments" -- "$bin/vanthu" edxml validate "$source_dir/samples/edxml/example-package.edxml"
expect 0 "is a valid status message \(code 03\)" -- "$bin/vanthu" edxml validate --status "$source_dir/samples/edxml/example-status.edxml"
check "xmllint agrees on the status example" \
  "xmllint --nonet --noout --schema '$source_dir/samples/edxml/edxml-status.xsd' '$source_dir/samples/edxml/example-status.edxml' 2>/dev/null"
sed 's|<StatusCode>03<|<StatusCode>07<|' "$source_dir/samples/edxml/example-status.edxml" >"$tmp/status07.edxml"
expect 1 "invalid: schema_invalid: .*status07.edxml:16: .*StatusCode" -- "$bin/vanthu" edxml validate --status "$tmp/status07.edxml"
expect 1 "invalid: schema_invalid" -- "$bin/vanthu" edxml validate "$source_dir/samples/edxml/example-status.edxml"

# Usage errors.
expect 2 "needs --pdf FILE and --out PACKAGE" -- "$bin/vanthu" edxml pack --out "$tmp/x.edxml"
expect 1 "is not a PDF" -- "$bin/vanthu" edxml pack --pdf "$tmp/phu-luc-1.txt" --metadata "$tmp/metadata.json" --out "$tmp/x.edxml"
expect 1 "bad_agency_code: From/OrganId" -- "$bin/vanthu" edxml pack --pdf "$pdf" --metadata "$tmp/metadata.json" --from H49 --out "$tmp/x.edxml"
check "a refused pack leaves no file" "[ ! -e '$tmp/x.edxml' ] && [ ! -e '$tmp/x.edxml.partial' ]"
expect 2 "unknown subcommand 'edxml frob'" -- "$bin/vanthu" edxml frob

echo "$failures failed"
[ "$failures" -eq 0 ]
