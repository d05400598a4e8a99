"""What a /metrics scrape costs as the database grows (app/store/tallies.py reads it at scrape time).

What: a database holding `--tickets` handled tickets, written the way the worker writes them (an
inbox row and a finished job each; audit rows snapshot, triage with its message, gather with a gap,
compose, decide); then the first scrape (which reads everything once), scrapes with nothing new, and
scrapes after each further `--batch` tickets. Scrapes go through the Prometheus registry, as
GET /metrics does, minus HTTP.

    .venv/bin/python scripts/bench_metrics.py [--tickets 20000] [--batch 100] [--rounds 20] [--json]
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time

from benchlib import emit_json, percentile

CATEGORIES = ("billing", "login_2fa", "howto_reports", "data_export", "api_access", None)
ACTIONS = ("send", "draft", "escalate")


def write_tickets(db, start: int, n: int, rng: random.Random) -> None:
    from app.store.db import transaction
    now = time.time()
    with transaction(db):
        for i in range(start, start + n):
            delivery, category = f"zendesk:{i}", rng.choice(CATEGORIES)
            db.execute("INSERT INTO inbox VALUES (?, 'zendesk', 'ticket.created', ?, ?, '{}')", [delivery, str(i), now])
            db.execute("INSERT INTO jobs (delivery_id, platform, kind, ticket_id, status, attempts, run_at, created_at,"
                       " updated_at) VALUES (?, 'zendesk', 'ticket.created', ?, 'done', 1, ?, ?, ?)",
                       [delivery, str(i), now, now - rng.uniform(0.1, 3.0), now])
            job = db.execute("SELECT last_insert_rowid()").fetchone()[0]
            rows = [("snapshot", {"summary": "ticket.created: ticket new, 1 comments", "tags": []}),
                    ("triage", {"category": category, "confidence": rng.random(), "tokens": 0, "cost_usd": 0.0,
                                "message": "Where can I download last month's invoice? " * 3}),
                    ("gather", {"gaps": [{"source": "billing", "reason": "no answer within 2.0 s"}], "facts": []}),
                    ("compose", {"tokens": 0, "cost_usd": 0.0, "text": "Hi there, " * 40}),
                    ("decide", {"action": rng.choice(ACTIONS), "category": category, "reasons": ["a reason"]})]
            for step, detail in rows:
                db.execute("INSERT INTO audit (at, job_id, delivery_id, platform, ticket_id, step, detail)"
                           " VALUES (?, ?, ?, 'zendesk', ?, ?, ?)", [now, job, delivery, str(i), step, json.dumps(detail)])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tickets", type=int, default=20000, help="tickets in the database before the first scrape")
    ap.add_argument("--batch", type=int, default=100, help="tickets handled between two scrapes")
    ap.add_argument("--rounds", type=int, default=20, help="scrapes of each kind")
    ap.add_argument("--json", action="store_true", help="last line: one JSON object")
    args = ap.parse_args(argv)
    from prometheus_client import CollectorRegistry, generate_latest

    from app.store.db import connect, migrate
    from app.web.metrics import DatabaseCollector
    rng = random.Random(7)
    with tempfile.TemporaryDirectory(prefix="deskhand-bench-metrics-") as folder:
        path = f"{folder}/deskhand.db"
        db = connect(path)
        migrate(db)
        write_tickets(db, 0, args.tickets, rng)
        registry = CollectorRegistry(auto_describe=False)
        registry.register(DatabaseCollector(path))

        def scrape() -> float:
            started = time.perf_counter()
            generate_latest(registry)
            return 1000 * (time.perf_counter() - started)
        first = scrape()
        idle = [scrape() for _ in range(args.rounds)]
        busy, written = [], args.tickets
        for _ in range(args.rounds):
            write_tickets(db, written, args.batch, rng)
            written += args.batch
            busy.append(scrape())
    print(f"metrics scrape on {args.tickets} tickets ({args.tickets * 5} audit rows): first {first:.0f} ms;"
          f" nothing new: median {percentile(idle, 50):.1f} ms, p95 {percentile(idle, 95):.1f} ms;"
          f" {args.batch} new tickets: median {percentile(busy, 50):.1f} ms, p95 {percentile(busy, 95):.1f} ms")
    if args.json:
        emit_json({"tickets": args.tickets, "batch": args.batch, "first_ms": first,
                   "idle_p50_ms": percentile(idle, 50), "idle_p95_ms": percentile(idle, 95),
                   "batch_p50_ms": percentile(busy, 50), "batch_p95_ms": percentile(busy, 95)})
    return 0


if __name__ == "__main__":
    sys.exit(main())
