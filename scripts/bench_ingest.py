"""Webhook intake throughput and ack latency: Deskhand's real app vs a bare Flask endpoint.

What it measures: how many signed Zendesk webhook deliveries per second Deskhand's
`POST /webhooks/zendesk` acknowledges (verify signature, parse, store inbox row + job in
SQLite, answer 202), and the p50/p99 time from sending a request to reading its ack —
next to a bare Flask app whose only POST endpoint answers 202 `{"status":"accepted"}`
without doing anything. The ratio deskhand/bare is the share of raw Flask+waitress
throughput the intake keeps.

How: both apps are served by waitress on 127.0.0.1 with the same thread count, one after
the other in this process. `--clients` threads, each with its own keep-alive
http.client connection, send pre-built, pre-signed `zen:event-type:ticket.created`
deliveries (unique `id` each), first `--warmup` per app, then `--deliveries` measured.
Client and server share the machine's cores (and this process's GIL), so absolute
figures are a lower bound; the ratio compares like with like. Afterwards the jobs table
is counted: every delivery must be stored exactly once and answered 202, else exit 1.

    .venv/bin/python scripts/bench_ingest.py [--deliveries 3000] [--clients 8] [--threads 8] [--json]
"""
from __future__ import annotations

import argparse
import http.client
import json
import sqlite3
import sys
import tempfile
import threading
import time
import uuid

from benchlib import Served, emit_json, percentile, zendesk_headers

SECRET = "bench-signing-secret"
PATH = "/webhooks/zendesk"
TARGET_RATIO, TARGET_P99_MS = 0.5, 20.0


def delivery(n: int) -> tuple[bytes, dict]:
    """One signed ticket.created delivery, shaped like Zendesk's event-subscribed webhook."""
    ticket = str(50_000 + n)
    body = json.dumps({
        "type": "zen:event-type:ticket.created", "account_id": 90000001, "id": str(uuid.uuid4()),
        "time": "2026-11-21T10:00:00.000Z", "zendesk_event_version": "2022-11-06",
        "subject": f"zen:ticket:{ticket}",
        "detail": {"id": ticket, "actor_id": "361000000011", "requester_id": "361000000011",
                   "submitter_id": "361000000011", "assignee_id": None, "group_id": None,
                   "organization_id": "362000000001", "brand_id": "1", "status": "NEW",
                   "priority": None, "type": None, "is_public": True, "tags": [],
                   "subject": "Sharing a dashboard with our agency", "via": {"channel": "web"},
                   "description": "Hi, we work with an outside agency and would like them to see"
                                  " our Marketing KPIs dashboard without a login. Which option?",
                   "created_at": "2026-11-21T10:00:00Z", "updated_at": "2026-11-21T10:00:00Z"},
        "event": {}}, separators=(",", ":")).encode()
    return body, zendesk_headers(SECRET, body)


def bare_app():
    from flask import Flask, jsonify
    app = Flask("bare")

    @app.post(PATH)
    def accept():
        return jsonify(status="accepted"), 202
    return app


def blast(port: int, work: list[tuple[bytes, dict]], clients: int, timeout_s: float) -> dict:
    """Send `work` with `clients` keep-alive connections; latencies (s), statuses, wall time."""
    slices = [work[i::clients] for i in range(clients)]
    latencies: list[list[float]] = [[] for _ in range(clients)]
    statuses: list[dict[int, int]] = [{} for _ in range(clients)]
    start = threading.Barrier(clients + 1)
    deadline = time.monotonic() + timeout_s

    def client(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            start.wait(timeout=10)
            for body, headers in slices[i]:
                if time.monotonic() > deadline:
                    break
                t0 = time.perf_counter()
                try:
                    conn.request("POST", PATH, body=body, headers=headers)
                    resp = conn.getresponse()
                    resp.read()
                    status = resp.status
                except (OSError, http.client.HTTPException):
                    conn.close()  # reconnects on the next request
                    status = 0
                latencies[i].append(time.perf_counter() - t0)
                statuses[i][status] = statuses[i].get(status, 0) + 1
        finally:
            conn.close()

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    start.wait(timeout=10)
    t0 = time.perf_counter()
    for t in threads:
        t.join(max(0.1, deadline - time.monotonic() + 15))
    wall = time.perf_counter() - t0
    merged: dict[int, int] = {}
    for s in statuses:
        for code, n in s.items():
            merged[code] = merged.get(code, 0) + n
    return {"latencies": [x for lat in latencies for x in lat], "statuses": merged, "wall": wall}


def summary(run: dict) -> dict:
    lat = run["latencies"]
    return {"sent": len(lat), "per_s": len(lat) / run["wall"] if run["wall"] else 0.0,
            "p50_ms": percentile(lat, 50) * 1000, "p99_ms": percentile(lat, 99) * 1000,
            "statuses": run["statuses"]}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--deliveries", type=int, default=3000, help="measured deliveries per app")
    ap.add_argument("--warmup", type=int, default=300, help="unmeasured deliveries per app first")
    ap.add_argument("--clients", type=int, default=8, help="concurrent keep-alive clients")
    ap.add_argument("--threads", type=int, default=8, help="waitress threads (both apps)")
    ap.add_argument("--timeout", type=float, default=120.0, help="time limit per measured phase (s)")
    ap.add_argument("--json", action="store_true", help="last line: one JSON object")
    args = ap.parse_args(argv)

    from app.config import Settings
    from app.web import create_app

    n_warm, n_meas = max(0, args.warmup), max(1, args.deliveries)
    with tempfile.TemporaryDirectory(prefix="deskhand-bench-ingest-") as data_dir:
        settings = Settings(data_dir=data_dir, zendesk_webhook_secrets=SECRET)
        results = {}
        for name, app in (("bare", bare_app()), ("deskhand", create_app(settings))):
            # Signed just before use: timestamps stay well inside the 300 s window.
            work = [delivery(i) for i in range(n_warm + n_meas)]
            with Served(app, threads=args.threads) as served:
                if n_warm:
                    blast(served.port, work[:n_warm], args.clients, args.timeout)
                results[name] = summary(blast(served.port, work[n_warm:], args.clients, args.timeout))
        conn = sqlite3.connect(settings.db_path)
        stored = conn.execute("SELECT COUNT(*) FROM jobs").fetchone()[0]
        inbox = conn.execute("SELECT COUNT(*) FROM inbox").fetchone()[0]
        conn.close()

    bare, desk = results["bare"], results["deskhand"]
    expected = n_warm + n_meas
    ratio = desk["per_s"] / bare["per_s"] if bare["per_s"] else 0.0
    print(f"{args.clients} clients, waitress threads={args.threads}, {n_meas} measured deliveries"
          f" per app after {n_warm} warm-up")
    for name, r in (("bare flask", bare), ("deskhand", desk)):
        print(f"  {name:<10} {r['per_s']:8.0f} deliveries/s   p50 {r['p50_ms']:6.2f} ms"
              f"   p99 {r['p99_ms']:6.2f} ms   statuses {r['statuses']}")
    print(f"  ratio deskhand/bare {ratio:.2f} (target >= {TARGET_RATIO});"
          f" deskhand p99 {desk['p99_ms']:.2f} ms (target < {TARGET_P99_MS:g})")
    lost = expected - stored
    non_202 = {c: n for c, n in desk["statuses"].items() if c != 202}
    print(f"  stored jobs {stored} / inbox {inbox} of {expected} deliveries sent to deskhand"
          f" (lost {lost}, non-202 {sum(non_202.values())})")
    ok = lost == 0 and inbox == expected and not non_202 and desk["sent"] == n_meas
    targets = ratio >= TARGET_RATIO and desk["p99_ms"] < TARGET_P99_MS
    print(f"  intake {'OK' if ok else 'FAILED'}; targets {'met' if targets else 'NOT met'}")
    if args.json:
        emit_json({"deliveries_per_s": desk["per_s"], "p50_ms": desk["p50_ms"], "p99_ms": desk["p99_ms"],
                   "bare_deliveries_per_s": bare["per_s"], "bare_p50_ms": bare["p50_ms"],
                   "bare_p99_ms": bare["p99_ms"], "ratio": ratio, "stored": stored,
                   "expected": expected, "non_202": sum(non_202.values()), "clients": args.clients,
                   "threads": args.threads, "deliveries": n_meas, "targets_met": targets})
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
