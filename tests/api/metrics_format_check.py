#!/usr/bin/python3
"""Parses a /metrics scrape with the real Prometheus parser (Debian's python3-prometheus-client)
and checks the families vanthu promises: names, types, label names, and histograms whose
cumulative buckets never decrease and end in +Inf equal to the count."""
import math
import sys

from prometheus_client.parser import text_string_to_metric_families

# The parser names a counter family without its "_total" suffix.
EXPECTED = {
    "vanthu_http_requests": ("counter", {"method", "route", "status"}),
    "vanthu_http_request_duration_seconds": ("histogram", {"method", "route"}),
    "vanthu_http_requests_in_flight": ("gauge", set()),
    "vanthu_signing_operations": ("counter", {"result"}),
    "vanthu_signing_duration_seconds": ("histogram", set()),
    "vanthu_verifications": ("counter", {"verdict"}),
    "vanthu_verification_duration_seconds": ("histogram", set()),
    "vanthu_exchange_outbox_messages": ("gauge", {"state"}),
    "vanthu_db_connections": ("gauge", set()),
    "vanthu_db_wait_seconds": ("histogram", set()),
    "vanthu_build_info": ("gauge", {"version"}),
    "process_start_time_seconds": ("gauge", set()),
}

failures = []


def fail(message):
    failures.append(message)


def check_histogram(family):
    series = {}
    for sample in family.samples:
        labels = {k: v for k, v in sample.labels.items() if k != "le"}
        key = tuple(sorted(labels.items()))
        entry = series.setdefault(key, {"buckets": [], "count": None, "sum": None})
        if sample.name.endswith("_bucket"):
            entry["buckets"].append((float(sample.labels["le"]), sample.value))
        elif sample.name.endswith("_count"):
            entry["count"] = sample.value
        elif sample.name.endswith("_sum"):
            entry["sum"] = sample.value
    for key, entry in series.items():
        buckets = entry["buckets"]
        if not buckets:
            fail(f"{family.name}{dict(key)}: no buckets")
            continue
        bounds = [b for b, _ in buckets]
        if bounds != sorted(bounds):
            fail(f"{family.name}{dict(key)}: bucket bounds out of order {bounds}")
        values = [v for _, v in sorted(buckets)]
        if any(later < earlier for earlier, later in zip(values, values[1:])):
            fail(f"{family.name}{dict(key)}: buckets decrease {values}")
        if not math.isinf(max(bounds)):
            fail(f"{family.name}{dict(key)}: no +Inf bucket")
        elif entry["count"] != values[-1]:
            fail(f"{family.name}{dict(key)}: +Inf {values[-1]} != count {entry['count']}")
        if entry["sum"] is None or entry["sum"] < 0:
            fail(f"{family.name}{dict(key)}: no sum")


def main():
    text = open(sys.argv[1], encoding="utf-8").read()
    families = {f.name: f for f in text_string_to_metric_families(text)}
    for name, (kind, labels) in EXPECTED.items():
        family = families.get(name)
        if family is None:
            fail(f"missing family {name}")
            continue
        if family.type != kind:
            fail(f"{name}: type {family.type}, expected {kind}")
        for sample in family.samples:
            names = set(sample.labels) - {"le"}
            if names != labels:
                fail(f"{sample.name}: labels {sorted(names)}, expected {sorted(labels)}")
        if kind == "histogram":
            check_histogram(family)

    requests = families.get("vanthu_http_requests")
    if requests is not None:
        routes = {s.labels["route"] for s in requests.samples}
        for route in routes:
            if route != "unmatched" and not route.startswith("/"):
                fail(f"odd route label {route!r}")
        healthy = [s.value for s in requests.samples
                   if s.labels == {"method": "GET", "route": "/healthz", "status": "200"}]
        if not healthy or healthy[0] < 3:
            fail(f"GET /healthz 200 counted {healthy}, expected at least 3")
        if "/does/not/exist-42" in routes:
            fail("a raw path became a route label")
        if not any(s.labels["route"] == "unmatched" and s.labels["status"] == "404"
                   for s in requests.samples):
            fail("the 404 was not counted as route 'unmatched'")
    outbox = families.get("vanthu_exchange_outbox_messages")
    if outbox is not None:
        states = {s.labels["state"] for s in outbox.samples}
        if not {"pending", "delivered", "failed"} <= states:
            fail(f"outbox states {sorted(states)}")
    connections = families.get("vanthu_db_connections")
    # SQLite: the request pool's one connection and the blob store's own.
    if connections is not None and [s.value for s in connections.samples] != [2.0]:
        fail(f"vanthu_db_connections {[s.value for s in connections.samples]}, expected [2.0]")

    for message in failures:
        print("FAIL:", message)
    print(f"{len(families)} families parsed, {len(failures)} problems")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
