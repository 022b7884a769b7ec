#!/usr/bin/env python3
"""Checks real answers of the server against the schemas its OpenAPI document gives them.

usage: openapi_response_check.py OPENAPI.json SCHEMA=ANSWER.json...
Exit 0 when every answer validates against components/schemas/SCHEMA (JSON Schema 2020-12, $refs
resolved inside the document); 1 with the reasons otherwise.
"""
import json
import sys
import warnings

from jsonschema import Draft202012Validator

warnings.simplefilter("ignore", DeprecationWarning)
from jsonschema import RefResolver  # noqa: E402  (deprecated, but in every version we meet)


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        document = json.load(f)
    failures = 0
    for pair in sys.argv[2:]:
        name, path = pair.split("=", 1)
        with open(path, encoding="utf-8") as f:
            answer = json.load(f)
        if name not in document["components"]["schemas"]:
            print(f"FAIL: no schema {name} in the document")
            failures += 1
            continue
        validator = Draft202012Validator(
            {"$ref": "#/components/schemas/" + name}, resolver=RefResolver("", document))
        errors = list(validator.iter_errors(answer))
        for error in errors:
            where = "/".join(str(p) for p in error.absolute_path)
            print(f"FAIL: {path} is not a {name}: at '{where}': {error.message}")
        if errors:
            failures += 1
        else:
            print(f"ok: {path} is a {name}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
