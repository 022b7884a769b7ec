#!/usr/bin/python3
"""Checks vanthu-verify --json output: every line must validate against the shipped JSON Schema
(docs/verification-report.schema.json, judged by the python3-jsonschema package), and each
report must satisfy the Python expression given (names: r = the report, s = its signatures).

usage: verify_report_check.py SCHEMA EXPRESSION < reports.jsonl
Exit 0 when all lines pass; 1 with the failing report printed otherwise."""
import json
import sys

import jsonschema

schema_path, expression = sys.argv[1], sys.argv[2]
with open(schema_path, encoding="utf-8") as f:
    schema = json.load(f)
validator = jsonschema.Draft202012Validator(schema)
jsonschema.Draft202012Validator.check_schema(schema)
lines = [line for line in sys.stdin.read().splitlines() if line.strip()]
if not lines:
    print("no report on stdin")
    sys.exit(1)
failed = False
for line in lines:
    report = json.loads(line)
    errors = sorted(validator.iter_errors(report), key=lambda e: list(e.path))
    for error in errors:
        print(f"{report.get('file')}: schema: {'/'.join(map(str, error.path))}: {error.message}")
        failed = True
    if not eval(expression, {"all": all, "any": any, "len": len},
                {"r": report, "s": report.get("signatures", [])}):
        print(f"{report.get('file')}: expected {expression}, got:")
        print(json.dumps(report, ensure_ascii=False, indent=1)[:6000])
        failed = True
sys.exit(1 if failed else 0)
