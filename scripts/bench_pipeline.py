"""Webhook-to-reply latency and helpdesk API calls per event, against the sandbox helpdesk.

What: for each customer event (the stream's tickets created, then `--repeat` rounds of
customer replies on them), the time from the sandbox starting the signed webhook POST to
Deskhand's write for that ticket (its PUT) landing in the sandbox, and the Zendesk API
requests Deskhand made for it.

How: as `deskhand demo` does, on loopback in this process: the seeded sandbox, Deskhand's
web app under waitress, one Worker thread (trained on sandbox/company/history.jsonl, policy
sandbox/company/policy.yaml, temp data dir); events `--interval` s apart (0: one burst,
which measures queueing behind one worker). The sandbox keeps no times, so this wraps the
webhook sender's `_deliver` (POST start/end), the store's `log_request` (runs after the API
handler: the write has landed) and the worker's `pipeline.run` (job window, action). Calls
are the sandbox's /api/ requests; one-time calls (users/me, Help Center articles, groups;
cached by the connector) are reported apart, every other call falls in one job's window.

    .venv/bin/python scripts/bench_pipeline.py [--repeat 1] [--interval 0.3] [--poll-s 0.2] [--json]
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import threading
import time
from collections import Counter

from benchlib import ROOT, Served, emit_json, percentile

SECRET = "bench-pipeline-secret"
COMPANY = ROOT / "sandbox" / "company"
ONE_TIME = re.compile(r"^/api/v2/(users/me|help_center/(?:[\w-]+/)?articles|groups)(\.json)?$")
TICKET_PUT = re.compile(r"^/api/v2/tickets/(\d+)(\.json)?$")
CUSTOMER = {"ticket.created", "comment_added (customer)"}  # the events that ask for a reply
TARGET_P95_MS, TARGET_CALLS = 500.0, 3.0


class Recorder:
    """Timestamps (time.time()) the sandbox and the worker do not keep themselves."""

    def __init__(self, sb):
        self.sent: dict[str, dict] = {}   # event id -> {t0, t1, payload, status}
        self.jobs: list[dict] = []        # {delivery, ticket, start, end, action}
        deliver, log_request = sb.webhooks._deliver, sb.store.log_request

        def timed_deliver(payload):
            t0 = time.time()
            record = deliver(payload)
            self.sent[payload["id"]] = dict(t0=t0, t1=time.time(), payload=payload, status=record["status"])
            return record

        def timed_log(entry, key):
            entry["at"] = time.time()
            log_request(entry, key)
        sb.webhooks._deliver, sb.store.log_request = timed_deliver, timed_log

    def watch(self, worker) -> None:
        run = worker.pipeline.run

        def timed_run(job_id, event):
            job = dict(delivery=event.delivery_id, ticket=event.ticket_id, start=time.time(), action="error")
            try:
                outcome = run(job_id, event)
                job["action"], job["reason"] = outcome.action, outcome.reason
                return outcome
            finally:
                job["end"] = time.time()
                self.jobs.append(job)
        worker.pipeline.run = timed_run


def kind_of(payload: dict, bot_id: str) -> str:
    kind = payload["type"].removeprefix("zen:event-type:")
    if kind != "ticket.comment_added":
        return kind
    author = payload["event"]["comment"]["author"]
    if author["id"] == bot_id:
        return "comment_added (bot's own)"
    return "comment_added (agent)" if author["is_staff"] else "comment_added (customer)"


def pace(items, action, interval: float, deadline: float) -> None:
    start = time.monotonic()
    for i, item in enumerate(items):
        time.sleep(max(0.0, min(start + i * interval, deadline) - time.monotonic()))
        action(item)


def wait_handled(rec: Recorder, sb, deadline: float) -> None:
    """Until every customer event sent so far has a finished job (or the deadline)."""
    while time.monotonic() < deadline:
        sb.flush_webhooks(timeout=1)
        done = {j["delivery"] for j in list(rec.jobs) if j["action"] != "error"}  # errors are retried
        wanted = {f"zendesk:{s['payload']['id']}" for s in list(rec.sent.values())  # copy: other threads add
                  if kind_of(s["payload"], str(sb.bot_user_id)) in CUSTOMER}
        if wanted <= done:
            return
        time.sleep(0.05)


def drive(args) -> tuple[Recorder, list[dict], str, float]:
    """Run sandbox, web app and worker; play the events; return what was recorded."""
    from app.config import Settings
    from app.services import build_engine, build_helpdesk, prepare_database
    from app.web import create_app
    from app.worker import Worker
    from sandbox import Sandbox

    deadline = time.monotonic() + args.timeout
    with open(COMPANY / "history.jsonl", encoding="utf-8") as fh:  # follow-ups: real customer questions
        replies = [row["body"] for row in map(json.loads, fh) if row.get("expect") == "answer"]
    with tempfile.TemporaryDirectory(prefix="deskhand-bench-pipeline-") as data_dir:
        sb = Sandbox.from_seed(signing_secret=SECRET).start()
        rec = Recorder(sb)
        settings = Settings(data_dir=data_dir, zendesk_url=sb.url, zendesk_webhook_secrets=SECRET,
                            history_file=str(COMPANY / "history.jsonl"),
                            policy_file=str(COMPANY / "policy.yaml"))
        if args.poll_s is not None:
            settings = settings.with_overrides(poll_s=args.poll_s)
        prepare_database(settings)
        web = Served(create_app(settings), threads=4)
        stop, thread = threading.Event(), None
        try:
            sb.webhook_url = f"{web.url}/webhooks/zendesk"
            helpdesk = build_helpdesk(settings)
            worker = Worker(settings, helpdesk, build_engine(settings, helpdesk), name="bench-worker")
            rec.watch(worker)
            thread = threading.Thread(target=worker.run, args=(stop,), daemon=True, name="bench-worker")
            thread.start()
            ids = [int(item["id"]) for item in sb.stream]
            pace(ids, lambda sid: sb.play([sid]), args.interval, deadline)
            wait_handled(rec, sb, deadline)
            for r in range(max(0, args.repeat)):
                texts = iter(replies[r * len(ids):] + replies)
                pace(ids, lambda tid: sb.customer_reply(tid, next(texts)), args.interval, deadline)
                wait_handled(rec, sb, deadline)
            time.sleep(0.3)  # let the last write's own webhooks arrive too (sb.stop flushes them)
        finally:
            stop.set()
            if thread is not None:
                thread.join(10)
            sb.stop()  # flushes queued webhooks while Deskhand still listens
            web.close()
        log = [r for r in sb.requests if r["path"].startswith("/api/")]
        return rec, log, str(sb.bot_user_id), settings.poll_s


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=1, help="rounds of customer replies after the stream")
    ap.add_argument("--interval", type=float, default=0.3, help="seconds between events (0: burst)")
    ap.add_argument("--poll-s", type=float, default=None, help="worker idle poll (default: the setting)")
    ap.add_argument("--timeout", type=float, default=180.0, help="time limit for the whole run (s)")
    ap.add_argument("--json", action="store_true", help="last line: one JSON object")
    args = ap.parse_args(argv)
    rec, log, bot_id, poll_s = drive(args)

    kinds = Counter(kind_of(s["payload"], bot_id) for s in rec.sent.values())
    delivered = sum(1 for s in rec.sent.values() if s["status"] and s["status"] < 300)
    customer = {f"zendesk:{eid}": s for eid, s in rec.sent.items()
                if kind_of(s["payload"], bot_id) in CUSTOMER}
    one_time = Counter(f"{r['method']} {r['path']}" for r in log if ONE_TIME.match(r["path"]))
    per_event = [r for r in log if not ONE_TIME.match(r["path"])]
    runs: dict[str, list[dict]] = {}  # delivery -> its job runs (more than one after a retry)
    for job in rec.jobs:
        runs.setdefault(job["delivery"], []).append(job)
    samples, by_action, attributed = [], {}, 0  # samples: (latency, ack, queue, work) in ms
    for delivery, sent in customer.items():
        if delivery not in runs:
            continue  # never handled: counted as missing below
        job = runs[delivery][-1]
        calls = [r for r in per_event if any(j["start"] <= r["at"] <= j["end"] for j in runs[delivery])]
        attributed += len(calls)
        by_action.setdefault(job["action"], []).append(len(calls))
        put = next((r for r in calls if r["method"] == "PUT" and (m := TICKET_PUT.match(r["path"]))
                    and m.group(1) == job["ticket"]), None)
        if put is not None:
            samples.append(tuple(1000 * x for x in (put["at"] - sent["t0"], sent["t1"] - sent["t0"],
                                                    job["start"] - sent["t1"], put["at"] - job["start"])))
    missing = sum(1 for d in customer if d not in runs or runs[d][-1]["action"] == "error")
    per_customer = len(per_event) / len(customer) if customer else 0.0
    per_delivered = len(per_event) / delivered if delivered else 0.0
    latencies = [x[0] for x in samples]
    p50, p95 = percentile(latencies, 50), percentile(latencies, 95)
    medians = {k: percentile([x[i] for x in samples], 50) for i, k in enumerate(("ack", "queue", "work"), 1)}

    print(f"{len(customer)} customer events ({args.repeat} reply round(s)), {args.interval:g} s apart;"
          f" one worker (idle poll {poll_s:g} s), waitress threads=4")
    print(f"  webhook-to-write latency over {len(latencies)} writes: p50 {p50:.0f} ms, p95 {p95:.0f} ms"
          f" (target p95 < {TARGET_P95_MS:g}); max {max(latencies, default=0):.0f} ms;"
          f" {len(customer) - missing - len(latencies)} handled events needed no write")
    print("  median parts: " + ", ".join(f"{k} {v:.0f} ms" for k, v in medians.items())
          + "  (ack: webhook POST; queue: stored until the worker took it; work: until the PUT)")
    print("  webhooks delivered to Deskhand: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items()))
          + f"; {delivered} acknowledged 2xx")
    print(f"  API calls per event: {len(per_event)} calls / {len(customer)} customer events ="
          f" {per_customer:.2f} per customer event; / {delivered} delivered events (bot's own comments"
          f" and other ignored events cost 0) = {per_delivered:.2f} per delivered event"
          f" (target <= {TARGET_CALLS:g})")
    for action, n in sorted(by_action.items()):
        print(f"    {action:<9} {len(n):3d} events, {sum(n) / len(n):.2f} calls each"
              f" (min {min(n)}, max {max(n)})")
    skips = Counter(runs[d][-1]["reason"] for d in customer if d in runs and runs[d][-1]["action"] == "skip")
    print("".join(f"    skipped x{n}: {why}\n" for why, n in skips.most_common()), end="")
    print(f"  one-time calls, not counted above: {sum(one_time.values())}"
          f" ({', '.join(f'{k} x{n}' for k, n in sorted(one_time.items()))});"
          f" calls outside any job: {len(per_event) - attributed}")
    endpoints = Counter(re.sub(r"/\d+(?=[/.]|$)", "/{id}", f"{r['method']} {r['path']}") for r in per_event)
    print("  per-event calls by endpoint: " + ", ".join(f"{k} {n}" for k, n in endpoints.most_common()))
    ok = missing == 0 and bool(latencies)
    verdict = {"p95": p95 < TARGET_P95_MS, "calls per delivered event": per_delivered <= TARGET_CALLS,
               "calls per customer event": per_customer <= TARGET_CALLS}
    print(f"  {'all events handled' if ok else f'{missing} events NOT handled'}; targets: "
          + ", ".join(f"{k} {'met' if v else 'NOT met'}" for k, v in verdict.items()))
    if args.json:
        emit_json({"p50_ms": p50, "p95_ms": p95, "api_calls_per_event": per_delivered,
                   "api_calls_per_customer_event": per_customer, "customer_events": len(customer),
                   "delivered_events": delivered, "writes": len(latencies), "per_event_calls": len(per_event),
                   "one_time_calls": sum(one_time.values()),
                   "calls_per_action": {a: round(sum(c) / len(c), 3) for a, c in by_action.items()},
                   **{f"median_{k}_ms": v for k, v in medians.items()}, "interval_s": args.interval,
                   "poll_s": poll_s, "repeat": args.repeat, "unhandled": missing,
                   "targets_met": verdict["p95"] and verdict["calls per delivered event"],
                   "customer_calls_target_met": verdict["calls per customer event"]})
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
