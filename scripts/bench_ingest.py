"""Webhook intake throughput and ack latency: Deskhand's real app vs a bare Flask endpoint.

What: how many signed Zendesk deliveries per second Deskhand's `POST /webhooks/zendesk`
acknowledges (verify signature, parse, store inbox row + job in SQLite, answer 202) and
the p50/p99 time from sending a request to reading its ack — next to a bare Flask app
whose one POST endpoint answers 202 `{"status":"accepted"}` and does nothing else. The
ratio deskhand/bare is the share of raw Flask+waitress throughput the intake keeps.

How: both apps are served by waitress on 127.0.0.1 with the same thread count.
`--clients` threads, each with its own keep-alive http.client connection, send
`zen:event-type:ticket.created` deliveries (unique `id`, signed base64 HMAC-SHA256 over
timestamp+body) built before each phase: `--warmup` per app, then `--deliveries` per app
in `--rounds` rounds that alternate between the apps, so background load hits both alike.
The clients run in a child process (`--same-process`: in the server's), so they do not
share the server's GIL; they still share the CPU cores. Afterwards Deskhand's jobs and
inbox tables are counted: every delivery must be stored once and acked 202, else exit 1.

    .venv/bin/python scripts/bench_ingest.py [--deliveries 3000] [--clients 8] [--threads 8] [--json]
"""
from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import sqlite3
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter

from benchlib import Served, emit_json, percentile, zendesk_headers

SECRET = "bench-signing-secret"
PATH = "/webhooks/zendesk"
TARGET_RATIO, TARGET_P99_MS = 0.5, 20.0


def delivery(n: int) -> tuple[bytes, dict]:
    """One signed ticket.created delivery, shaped like Zendesk's event-subscribed webhook."""
    ticket, user, at = str(50_000 + n), "361000000011", "2026-11-21T10:00:00Z"
    detail = {"id": ticket, "actor_id": user, "requester_id": user, "submitter_id": user,
              "assignee_id": None, "group_id": None, "organization_id": "362000000001",
              "status": "NEW", "priority": None, "type": None, "is_public": True, "tags": [],
              "subject": "Sharing a dashboard with our agency", "via": {"channel": "web"},
              "description": "Hi, we work with an outside agency and would like them to see our"
                             " Marketing KPIs dashboard without a login. Which option?",
              "created_at": at, "updated_at": at}
    body = json.dumps({"type": "zen:event-type:ticket.created", "account_id": 90000001,
                       "id": str(uuid.uuid4()), "time": at, "zendesk_event_version": "2022-11-06",
                       "subject": f"zen:ticket:{ticket}", "detail": detail, "event": {}},
                      separators=(",", ":")).encode()
    return body, zendesk_headers(SECRET, body)


def bare_app():
    from flask import Flask, jsonify
    app = Flask("bare")
    app.add_url_rule(PATH, "accept", lambda: (jsonify(status="accepted"), 202), methods=["POST"])
    return app


def blast(port: int, work: list[tuple[bytes, dict]], clients: int, timeout_s: float) -> dict:
    """Send `work` with `clients` keep-alive connections; latencies (s), statuses, wall time."""
    results: list[tuple[float, int]] = []  # (seconds, HTTP status or 0); append is thread-safe
    start = threading.Barrier(clients + 1)
    deadline = time.monotonic() + timeout_s

    def client(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            start.wait(timeout=10)
            for body, headers in work[i::clients]:
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
                results.append((time.perf_counter() - t0, status))
        finally:
            conn.close()

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    start.wait(timeout=10)
    t0 = time.perf_counter()
    for t in threads:
        t.join(max(0.1, deadline - time.monotonic() + 15))
    return {"latencies": [lat for lat, _ in results], "wall": time.perf_counter() - t0,
            "statuses": dict(Counter(status for _, status in results))}


def _client_loop(conn) -> None:
    """Child process: build, sign and send deliveries on request; results go back by pipe."""
    while (msg := conn.recv()) is not None:
        port, first, count, clients, timeout_s = msg
        conn.send(blast(port, [delivery(first + i) for i in range(count)], clients, timeout_s))


class Clients:
    """The client threads, in a child process or (same_process) in this one."""

    def __init__(self, clients: int, timeout_s: float, same_process: bool):
        self.clients, self.timeout_s, self.next = clients, timeout_s, 0
        self.proc = None
        if not same_process:
            import multiprocessing as mp
            ctx = mp.get_context("spawn")
            self.pipe, child = ctx.Pipe()
            self.proc = ctx.Process(target=_client_loop, args=(child,), daemon=True)
            self.proc.start()

    def run(self, port: int, count: int) -> dict:
        first, self.next = self.next, self.next + count
        if self.proc is None:
            return blast(port, [delivery(first + i) for i in range(count)], self.clients, self.timeout_s)
        self.pipe.send((port, first, count, self.clients, self.timeout_s))
        if not self.pipe.poll(self.timeout_s + 60):
            raise RuntimeError("client process did not answer in time")
        return self.pipe.recv()

    def close(self) -> None:
        if self.proc is not None:
            with contextlib.suppress(OSError):  # the child may be gone already
                self.pipe.send(None)
            self.proc.join(10)
            if self.proc.is_alive():
                self.proc.terminate()


def summary(runs: list[dict]) -> dict:
    lat, wall = [x for r in runs for x in r["latencies"]], sum(r["wall"] for r in runs)
    statuses = dict(sum((Counter(r["statuses"]) for r in runs), Counter()))
    return {"sent": len(lat), "per_s": len(lat) / wall if wall else 0.0,
            "p50_ms": percentile(lat, 50) * 1000, "p99_ms": percentile(lat, 99) * 1000,
            "statuses": statuses}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--deliveries", type=int, default=3000, help="measured deliveries per app")
    ap.add_argument("--warmup", type=int, default=300, help="unmeasured deliveries per app first")
    ap.add_argument("--rounds", type=int, default=3, help="measure in this many alternating rounds")
    ap.add_argument("--clients", type=int, default=8, help="concurrent keep-alive clients")
    ap.add_argument("--threads", type=int, default=8, help="waitress threads (both apps)")
    ap.add_argument("--same-process", action="store_true", help="client threads in the server's process")
    ap.add_argument("--timeout", type=float, default=120.0, help="time limit per round and app (s)")
    ap.add_argument("--json", action="store_true", help="last line: one JSON object")
    args = ap.parse_args(argv)

    from app.core.config import Settings
    from app.web.factory import create_app

    n_warm, n_meas, rounds = max(0, args.warmup), max(1, args.deliveries), max(1, args.rounds)
    per_round = [n_meas // rounds + (1 if r < n_meas % rounds else 0) for r in range(rounds)]
    clients = Clients(max(1, args.clients), args.timeout, args.same_process)
    runs: dict[str, list[dict]] = {"bare": [], "deskhand": []}
    with tempfile.TemporaryDirectory(prefix="deskhand-bench-ingest-") as data_dir:
        settings = Settings(data_dir=data_dir, zendesk_webhook_secrets=SECRET)
        try:
            with Served(bare_app(), args.threads) as bare_srv, \
                    Served(create_app(settings), args.threads) as desk_srv:
                ports = {"bare": bare_srv.port, "deskhand": desk_srv.port}
                for port in ports.values() if n_warm else ():
                    clients.run(port, n_warm)
                for r, count in enumerate(per_round):  # alternate who goes first
                    for name in (("bare", "deskhand") if r % 2 == 0 else ("deskhand", "bare")):
                        runs[name].append(clients.run(ports[name], count))
        finally:
            clients.close()
        with contextlib.closing(sqlite3.connect(settings.db_path)) as conn:
            stored, inbox = conn.execute(
                "SELECT (SELECT COUNT(*) FROM jobs), (SELECT COUNT(*) FROM inbox)").fetchone()

    bare, desk = summary(runs["bare"]), summary(runs["deskhand"])
    expected = n_warm + n_meas
    ratio = desk["per_s"] / bare["per_s"] if bare["per_s"] else 0.0
    where = "this process" if args.same_process else "a child process"
    print(f"{args.clients} keep-alive clients in {where}; waitress threads={args.threads};"
          f" {n_meas} measured deliveries per app in {rounds} alternating rounds after {n_warm} warm-up")
    for name, r in (("bare flask", bare), ("deskhand", desk)):
        print(f"  {name:<10} {r['per_s']:8.0f} deliveries/s   p50 {r['p50_ms']:6.2f} ms"
              f"   p99 {r['p99_ms']:6.2f} ms   statuses {r['statuses']}")
    print(f"  ratio deskhand/bare {ratio:.2f} (target >= {TARGET_RATIO});"
          f" deskhand p99 {desk['p99_ms']:.2f} ms (target < {TARGET_P99_MS:g})")
    lost = expected - stored
    non_202 = sum(n for c, n in desk["statuses"].items() if c != 202)
    print(f"  stored: {stored} jobs, {inbox} inbox rows for {expected} deliveries sent to deskhand"
          f" (lost {lost}, non-202 acks {non_202})")
    ok = lost == 0 and inbox == expected and non_202 == 0 and desk["sent"] == n_meas
    targets = ok and ratio >= TARGET_RATIO and desk["p99_ms"] < TARGET_P99_MS
    print(f"  intake {'OK' if ok else 'FAILED'}; targets {'met' if targets else 'NOT met'}")
    if args.json:
        emit_json({"deliveries_per_s": desk["per_s"], "p50_ms": desk["p50_ms"], "p99_ms": desk["p99_ms"],
                   "bare_deliveries_per_s": bare["per_s"], "bare_p50_ms": bare["p50_ms"],
                   "bare_p99_ms": bare["p99_ms"], "ratio": ratio, "stored": stored,
                   "expected": expected, "non_202": non_202, "clients": args.clients,
                   "threads": args.threads, "deliveries": n_meas, "rounds": rounds,
                   "same_process": args.same_process, "targets_met": targets})
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
