#!/usr/bin/python3
"""Judges vanthu-verify on the shared corpus (tests/data/corpus, MANIFEST.tsv):
  - attacks/: no file may come out TOTAL_PASSED with a signature that has changes NONE;
  - signed/: the verdict must agree with the MANIFEST's `expected` for at least 95 % of the
    files. "valid ..." agrees with any verdict but TOTAL_FAILED (most files' trust anchors are
    EU roots we do not ship, so INDETERMINATE is the right answer without them), and the
    disagreements must be exactly the ones docs/VERIFY.md lists with their reasons.

usage: corpus_agreement.py MANIFEST VERIFY_MD ATTACKS.jsonl SIGNED.jsonl"""
import csv
import json
import os
import re
import sys

manifest_path, verify_md, attacks_path, signed_path = sys.argv[1:5]
expected = {}
with open(manifest_path, encoding="utf-8") as f:
    for row in csv.DictReader(f, delimiter="\t"):
        expected[row["file"]] = row["expected"]


def reports(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def key(report):
    parts = report["file"].replace("\\", "/").split("/")
    return "/".join(parts[-2:])


failed = False
for report in reports(attacks_path):
    fooled = report["verdict"] == "TOTAL_PASSED" and any(
        s["modifications_after"] == "NONE" for s in report["signatures"])
    print(f"{key(report)}: {report['verdict']} "
          + ", ".join(f"{s['indication']}/{s['subindication'] or '-'}/{s['modifications_after']}"
                      for s in report["signatures"]))
    if fooled:
        print(f"FAIL: attack {key(report)} passed with changes NONE")
        failed = True

disagreements = {}
signed = reports(signed_path)
for report in signed:
    name = key(report)
    want = expected.get(name, "")
    agrees = report["readable"] and report["verdict"] != "TOTAL_FAILED" if want.startswith("valid") \
        else report["verdict"] != "TOTAL_PASSED"
    if not agrees:
        detail = "; ".join(e for s in report["signatures"] for e in s["errors"][:1]) or report["error"]
        disagreements[name] = f"{report['verdict']}: {detail}"

with open(verify_md, encoding="utf-8") as f:
    text = f.read()
block = re.search(r"<!-- disagreements:begin -->(.*?)<!-- disagreements:end -->", text, re.S)
documented = set(re.findall(r"^- `([^`]+)`", block.group(1), re.M)) if block else set()
for name in sorted(disagreements):
    print(f"disagreement: {name}: {disagreements[name]}")
if set(disagreements) != documented:
    print("FAIL: the disagreements differ from docs/VERIFY.md: "
          f"undocumented {sorted(set(disagreements) - documented)}, "
          f"no longer disagreeing {sorted(documented - set(disagreements))}")
    failed = True
rate = 1 - len(disagreements) / max(1, len(signed))
print(f"agreement on signed/: {rate:.1%} of {len(signed)} files")
if rate < 0.95:
    print("FAIL: agreement below 95 %")
    failed = True
sys.exit(1 if failed else 0)
