"""Webhook-to-reply latency and helpdesk API calls per event, against the sandbox helpdesk.

What: for each customer event (the stream's tickets created, then `--repeat` rounds of
customer replies on them), the time from the sandbox starting the signed webhook POST to
Deskhand's write for that ticket (its PUT) landing in the sandbox, and the Zendesk API
requests Deskhand made for it. `--helpdesk intercom`: the same, measured the same way, on the
Intercom sandbox (the same company as a workspace): conversation.user.created/replied
notifications, and the write is the reply (POST /conversations/{id}/reply), the commit point
after the team assignment (and, with --label-attributes, the attributes' PUT).

How: as `deskhand demo` does, on loopback in this process: the seeded sandbox, Deskhand's
web app under waitress, one Worker thread (trained on sandbox/company/history.jsonl, policy
sandbox/company/policy.yaml, temp data dir); events `--interval` s apart (0: one burst, which
measures queueing behind one worker). Nothing is patched; all figures come from records: the
sandbox's webhook deliveries (POST `started_at`/`finished_at`) and request log (`at`: handler
done, so the write has landed), Deskhand's `jobs` (delivery `zendesk:<event id>`, created_at =
stored, updated_at = done) and `audit` (action; `error` ends a failed try). One worker: a job's
calls are those after it was stored and the previous run ended, up to its end. One-time calls
(users/me, Help Center articles, groups: cached) are reported apart. Parts: ack = the POST;
queue = stored until the job's first trace (first API call or audit row: a few ms late);
work = from there until the PUT landed. "Where the work goes" splits each action's work at its audit
rows: snapshot (helpdesk reads), account (the billing account read for a reply, and a change of
interval priced), think (triage to decide), gather (the case file's lookups) and write.

    .venv/bin/python scripts/bench_pipeline.py [--helpdesk zendesk|intercom] [--label-attributes] [--repeat 1]
                                               [--interval 0.3] [--poll-s 0.2] [--metrics-scrape 0.5] [--slowest 8]
                                               [--json]
"""
from __future__ import annotations

import argparse
import bisect
import json
import re
import sqlite3
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import closing

from benchlib import ROOT, Served, add_model_dir_option, emit_json, percentile, saved_model

SECRET = "bench-pipeline-secret"
COMPANY = ROOT / "sandbox" / "company"
ONE_TIME = re.compile(r"^/api/v2/(users/me|help_center/(?:[\w-]+/)?articles|groups)(\.json)?$")
TICKET_PUT = re.compile(r"^/api/v2/tickets/(\d+)(\.json)?$")
# Intercom: /me, the team list and the conversation attributes (listed, and created when missing) are cached by the
# connector; article reads belong to the knowledge sync. Everything else is per event.
INTERCOM_ONE_TIME = re.compile(r"^/(me|teams|conversations/attributes|articles(/\d+)?)$")
INTERCOM_WRITE = re.compile(r"^/conversations/(\d+)/reply$")
CUSTOMER = {"ticket.created", "comment_added (customer)",  # the events that ask for a reply
            "conversation.user.created", "conversation.user.replied"}
TARGET_P95_MS, TARGET_CALLS = 500.0, 3.0


class Zendesk:
    name, one_time, method, write = "zendesk", ONE_TIME, "PUT", TICKET_PUT

    @staticmethod
    def calls(requests: list[dict]) -> list[dict]:
        return [r for r in requests if r["path"].startswith("/api/")]  # not the sandbox's controls


class Intercom:
    name, one_time, method, write = "intercom", INTERCOM_ONE_TIME, "POST", INTERCOM_WRITE

    @staticmethod
    def calls(requests: list[dict]) -> list[dict]:
        return list(requests)


def kind_of(delivery: dict, sb) -> str:
    """The event's kind as this report names it, from the sandbox's delivery record."""
    if "topic" in delivery:  # Intercom: the topic, and for an admin's part whose it is
        topic = delivery["topic"]
        if topic.startswith("conversation.admin."):
            return topic + (" (bot's own)" if delivery["actor_id"] == str(sb.bot_user_id) else " (agent)")
        return topic
    kind, actor = delivery["type"].removeprefix("zen:event-type:"), delivery["actor_id"]
    if kind != "ticket.comment_added":
        return kind
    if actor == str(sb.bot_user_id):
        return "comment_added (bot's own)"
    return "comment_added (agent)" if sb.store.is_staff(actor) else "comment_added (customer)"


def query(db_path: str, sql: str) -> list[dict]:
    """Rows from Deskhand's SQLite (WAL: reading alongside its writers is fine)."""
    with closing(sqlite3.connect(db_path, timeout=30)) as con:
        con.row_factory = sqlite3.Row
        return [dict(r) for r in con.execute(sql)]


def outcome(rows: list[dict]) -> tuple[str, str]:
    """(action, reason) of a done job's last run, from its audit rows."""
    for row in reversed(rows):
        step, detail = row["step"], row["detail"]
        if step in ("act", "recover", "decide"):
            return detail["action"], "; ".join(detail.get("reasons", ())) if step == "decide" else ""
        if step == "guards":
            return "skip", detail.get("summary", "").removeprefix("skip: ")
    return "skip", "no audit row"


# The work of one job, split at its audit rows (each is written when its step ends): the helpdesk reads
# (snapshot), the billing account (account, when a category answers from it; quote: a change of interval
# priced), the rest of thinking (triage to decide), the case file's gather, and the write itself.
PARTS = ("snapshot", "account", "think", "gather", "write")


def work_parts(rows: list[dict], start: float, put_at: float, tried: float) -> dict[str, float]:
    at = {}
    for row in rows:
        if tried < row["at"] <= put_at:
            at.setdefault(row["step"], row["at"])
    marks = [("snapshot", at.get("snapshot")), ("account", at.get("quote") or at.get("account")),
             ("think", at.get("decide")), ("gather", at.get("gather"))]
    parts, last = {}, start
    for name, when in marks:
        if when is not None:
            parts[name], last = 1000 * (when - last), when
    parts["write"] = 1000 * (put_at - last)
    return parts


def pace(items, action, interval: float, deadline: float) -> None:
    start = time.monotonic()
    for i, item in enumerate(items):
        time.sleep(max(0.0, min(start + i * interval, deadline) - time.monotonic()))
        action(item)


def wait_handled(sb, platform: str, db_path: str, deadline: float) -> None:
    """Until every customer event sent so far has a finished (done or dead) job, or the deadline."""
    while time.monotonic() < deadline:
        sb.flush_webhooks(timeout=1)
        wanted = {f"{platform}:{d['event_id']}" for d in sb.webhook_deliveries if kind_of(d, sb) in CUSTOMER}
        if wanted <= {r["delivery_id"] for r in query(db_path, "SELECT delivery_id FROM jobs"
                                                            " WHERE status IN ('done', 'dead')")}:
            return
        time.sleep(0.05)


def drive(args) -> tuple[list[dict], list[dict], dict, dict, float]:
    """Run sandbox, web app and worker; play the events; return what both sides recorded."""
    from app.build import build_engine, build_helpdesk, build_systems, prepare_database
    from app.core.config import Settings
    from app.pipeline.gather import Gatherer
    from app.pipeline.worker import Worker
    from app.schedule.kb_sync import sync_all
    from app.store.db import connect
    from app.web.factory import create_app
    from sandbox import Sandbox
    from sandbox.intercom_sandbox import IntercomSandbox

    deadline = time.monotonic() + args.timeout
    with open(COMPANY / "history.jsonl", encoding="utf-8") as fh:  # follow-ups: real customer questions
        replies = [row["body"] for row in map(json.loads, fh) if row.get("expect") == "answer"]
    with tempfile.TemporaryDirectory(prefix="deskhand-bench-pipeline-") as data_dir:
        if args.helpdesk == "intercom":
            sb = IntercomSandbox.from_seed(client_secret=SECRET).start()
            settings = Settings(data_dir=data_dir, helpdesk="intercom", intercom_url=sb.url, intercom_token=sb.token,
                                intercom_client_secret=SECRET, history_file=str(COMPANY / "history.jsonl"),
                                policy_file=str(COMPANY / "policy.yaml"),
                                intercom_label_attributes=args.label_attributes)
        else:
            sb = Sandbox.from_seed(signing_secret=SECRET).start()
            settings = Settings(data_dir=data_dir, zendesk_url=sb.url, zendesk_webhook_secrets=SECRET,
                                history_file=str(COMPANY / "history.jsonl"),
                                policy_file=str(COMPANY / "policy.yaml"))
        if args.poll_s is not None:
            settings = settings.with_overrides(poll_s=args.poll_s)
        vendors = None
        if args.vendors_latency is not None:  # Stripe, HubSpot, Linear and Slack stand-ins, each call this slow
            from sandbox.vendors import serve as serve_vendors
            vendors = serve_vendors.start(json.loads((COMPANY / "account.json").read_text(encoding="utf-8")),
                                          latency_s=args.vendors_latency)
            settings = settings.with_overrides(**vendors.settings)
        if args.metrics_scrape:
            settings = settings.with_overrides(metrics_token=SECRET)
        prepare_database(settings)
        if args.model_dir:  # else the worker trains on the history as it starts
            from app.reasoning import classifier
            from app.reasoning.engine import models_dir
            classifier.save(saved_model(args.model_dir), models_dir(data_dir))
        web = Served(create_app(settings), threads=4)
        stop, thread = threading.Event(), None
        scraper = start_scraper(web.url, args.metrics_scrape, stop, args.scrape_ms) if args.metrics_scrape else None
        try:
            sb.webhook_url = f"{web.url}/webhooks/{args.helpdesk}"
            helpdesk = build_helpdesk(settings)
            sync_all(settings, helpdesk)
            gatherer = Gatherer(build_systems(settings)) if vendors else None
            worker = Worker(settings, helpdesk, build_engine(settings, connect(settings.db_path)), name="bench-worker",
                            gatherer=gatherer)
            worker.warm_up()  # as `deskhand worker` does before it says it has started
            thread = threading.Thread(target=worker.run, args=(stop,), daemon=True, name="bench-worker")
            thread.start()
            ids = [int(item["id"]) for item in sb.stream]
            # The Zendesk sandbox sends each webhook from its own thread as the change happens; the
            # Intercom sandbox queues notifications until flushed, so each event is sent as it is
            # made (else they would all arrive together, a burst, whatever --interval says).
            sent_now = (lambda: sb.flush_webhooks(timeout=10)) if args.helpdesk == "intercom" else (lambda: None)
            pace(ids, lambda sid: (sb.play([sid]), sent_now()), args.interval, deadline)
            wait_handled(sb, args.helpdesk, settings.db_path, deadline)
            for r in range(max(0, args.repeat)):
                texts = iter(replies[r * len(ids):] + replies)
                pace(ids, lambda tid: (sb.customer_reply(tid, next(texts)), sent_now()), args.interval, deadline)
                wait_handled(sb, args.helpdesk, settings.db_path, deadline)
            time.sleep(0.3)  # let the last write's own webhooks arrive too (sb.stop flushes them)
        finally:
            stop.set()
            if thread is not None:
                thread.join(10)
            if scraper is not None:
                scraper.join(10)
            sb.flush_webhooks(timeout=1)  # queued webhooks, while Deskhand still listens
            sb.stop()  # (the Zendesk sandbox's stop flushes them too)
            web.close()
            if vendors:
                vendors.stop()
        jobs = {r["delivery_id"]: r for r in query(settings.db_path, "SELECT * FROM jobs")}
        trail: dict[int, list[dict]] = {}  # job id -> its audit rows, in order
        for r in query(settings.db_path, "SELECT at, job_id, step, detail FROM audit ORDER BY id"):
            trail.setdefault(r["job_id"], []).append({**r, "detail": json.loads(r["detail"])})
        sent = [{**d, "kind": kind_of(d, sb)} for d in sb.webhook_deliveries]
        platform = Intercom if args.helpdesk == "intercom" else Zendesk
        return sent, platform.calls(sb.requests), jobs, trail, settings.poll_s


SCRAPE_WINDOW_S = 3.0  # scraping on in even windows, off in odd ones: one run compares both


def scraping_at(t: float, since: float) -> bool:
    return int((t - since) // SCRAPE_WINDOW_S) % 2 == 0


def start_scraper(url: str, every_s: float, stop: threading.Event, took_ms: list) -> threading.Thread:
    """GET /metrics every `every_s` during alternate SCRAPE_WINDOW_S windows, as Prometheus would (its
    reads are the metrics' whole cost: the pipeline writes nothing for them). Events whose webhook
    started in a scraping window are compared with the others of the same run, so the load of
    everything else on the machine falls on both alike."""
    import requests
    took_ms.append(time.time())  # first item: when the windows start

    def scrape() -> None:
        while not stop.wait(every_s):
            if not scraping_at(time.time(), took_ms[0]):
                continue
            started = time.perf_counter()
            reply = requests.get(f"{url}/metrics", headers={"Authorization": f"Bearer {SECRET}"}, timeout=10)
            reply.raise_for_status()
            took_ms.append(1000 * (time.perf_counter() - started))
    thread = threading.Thread(target=scrape, daemon=True, name="bench-scraper")
    thread.start()
    return thread


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--helpdesk", choices=("zendesk", "intercom"), default="zendesk",
                    help="the sandbox helpdesk to run against")
    ap.add_argument("--label-attributes", action="store_true",
                    help="intercom: also keep the labels as conversation attributes (setting intercom_label_attributes)")
    ap.add_argument("--repeat", type=int, default=1, help="rounds of customer replies after the stream")
    ap.add_argument("--interval", type=float, default=0.3, help="seconds between events (0: burst)")
    ap.add_argument("--poll-s", type=float, default=None, help="worker idle poll (default: the setting)")
    ap.add_argument("--timeout", type=float, default=180.0, help="time limit for the whole run (s)")
    ap.add_argument("--vendors-latency", type=float, default=None, metavar="SECONDS",
                    help="also connect the Stripe/HubSpot/Linear/Slack stand-ins, each call taking this long "
                         "(account facts and case files gathered; e.g. 0.1)")
    ap.add_argument("--metrics-scrape", type=float, default=0.0, metavar="SECONDS",
                    help="scrape GET /metrics this often during the run (0: no scraping), to compare p95 with and without")
    ap.add_argument("--slowest", type=int, default=0, metavar="N", help="also list the N slowest writes, in parts")
    add_model_dir_option(ap)
    ap.add_argument("--json", action="store_true", help="last line: one JSON object")
    args = ap.parse_args(argv)
    args.scrape_ms = []
    import logging
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the Intercom sandbox's per-request lines
    sent, log, jobs, trail, poll_s = drive(args)
    platform = Intercom if args.helpdesk == "intercom" else Zendesk

    kinds = Counter(d["kind"] for d in sent)
    delivered = sum(1 for d in sent if d["status"] and d["status"] < 300)
    customer = {f"{platform.name}:{d['event_id']}": d for d in sent if d["kind"] in CUSTOMER}
    one_time = Counter(f"{r['method']} {r['path']}" for r in log if platform.one_time.match(r["path"]))
    per_event = [r for r in log if not platform.one_time.match(r["path"])]
    by_id = {j["id"]: j for j in jobs.values()}
    ends = sorted([(row["at"], jid) for jid, rows in trail.items() for row in rows if row["step"] == "error"]
                  + [(j["updated_at"], j["id"]) for j in jobs.values() if j["status"] == "done"])
    calls_of: dict[int, list[dict]] = {}  # job id -> its API calls (one worker: runs never overlap)
    for r in per_event:
        i = bisect.bisect_left(ends, (r["at"],))
        if i < len(ends) and by_id[ends[i][1]]["created_at"] <= r["at"]:
            calls_of.setdefault(ends[i][1], []).append(r)
    samples, by_action, skips, missing = [], {}, Counter(), 0  # samples: (latency, ack, queue, work) ms
    scraped = []  # per sample: its webhook started in a scraping window (--metrics-scrape)
    spans: dict[str, list[tuple[float, dict[str, float]]]] = {}  # action -> (latency, the work's parts) per write
    slowest = []  # per write: (latency, action, ack, queue, the work's parts, why), for --slowest
    for delivery, sent_rec in customer.items():
        job = jobs.get(delivery)
        missing += job is None or job["status"] != "done"
        if job is None:
            continue
        rows, calls = trail.get(job["id"], []), calls_of.get(job["id"], [])
        action, reason = outcome(rows) if job["status"] == "done" else ("error", job["status"])
        by_action.setdefault(action, []).append(len(calls))
        if action == "skip":
            skips[reason] += 1
        put = next((r for r in calls if r["method"] == platform.method and (m := platform.write.match(r["path"]))
                    and m.group(1) == job["ticket_id"]), None)
        if put is not None:
            tried = max((row["at"] for row in rows if row["step"] == "error" and row["at"] < put["at"]),
                        default=0.0)  # a failed try before the write: time the run that wrote
            start = min(x["at"] for x in rows + calls if x["at"] > tried)  # that run's first trace
            t0, t1 = sent_rec["started_at"], sent_rec["finished_at"]
            samples.append(tuple(1000 * x for x in (put["at"] - t0, t1 - t0, start - job["created_at"],
                                                    put["at"] - start)))
            scraped.append(bool(args.scrape_ms) and scraping_at(t0, args.scrape_ms[0]))
            parts = work_parts(rows, start, put["at"], tried)
            spans.setdefault(action, []).append((1000 * (put["at"] - t0), parts))
            slowest.append((1000 * (put["at"] - t0), action, samples[-1][1], samples[-1][2], parts, reason))
    per_customer = len(per_event) / len(customer) if customer else 0.0
    per_delivered = len(per_event) / delivered if delivered else 0.0
    latencies = [x[0] for x in samples]
    p50, p95 = percentile(latencies, 50), percentile(latencies, 95)
    medians = {k: percentile([x[i] for x in samples], 50) for i, k in enumerate(("ack", "queue", "work"), 1)}

    print(f"{platform.name}: {len(customer)} customer events ({args.repeat} reply round(s)), {args.interval:g} s apart;"
          f" one worker (idle poll {poll_s:g} s), waitress threads=4")
    print(f"  webhook-to-write latency over {len(latencies)} writes: p50 {p50:.0f} ms, p95 {p95:.0f} ms"
          f" (target p95 < {TARGET_P95_MS:g}); max {max(latencies, default=0):.0f} ms;"
          f" {len(customer) - missing - len(latencies)} handled events needed no write")
    print("  median parts: " + ", ".join(f"{k} {v:.0f} ms" for k, v in medians.items())
          + f"  (ack: webhook POST; queue: stored until the job's first trace; work: until the"
          f" {'reply POST' if platform is Intercom else 'PUT'})")
    print("  webhooks delivered to Deskhand: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items()))
          + f"; {delivered} acknowledged 2xx")
    print(f"  API calls per event: {len(per_event)} calls / {len(customer)} customer events ="
          f" {per_customer:.2f} per customer event (target <= {TARGET_CALLS:g});"
          f" / {delivered} delivered events (bot's own comments and other ignored events cost 0)"
          f" = {per_delivered:.2f} per delivered event")
    for action, n in sorted(by_action.items()):
        print(f"    {action:<9} {len(n):3d} events, {sum(n) / len(n):.2f} calls each"
              f" (min {min(n)}, max {max(n)})")
    print("".join(f"    skipped x{n}: {why}\n" for why, n in skips.most_common()), end="")
    print(f"  one-time calls, not counted above: {sum(one_time.values())}"
          f" ({', '.join(f'{k} x{n}' for k, n in sorted(one_time.items()))});"
          f" calls outside any job: {len(per_event) - sum(map(len, calls_of.values()))}")
    endpoints = Counter(re.sub(r"/\d+(?=[/.]|$)", "/{id}", f"{r['method']} {r['path']}") for r in per_event)
    print("  per-event calls by endpoint: " + ", ".join(f"{k} {n}" for k, n in endpoints.most_common()))
    ab = {}
    if args.metrics_scrape:
        took = args.scrape_ms[1:]
        ab = {k: [x[0] for x, on in zip(samples, scraped) if on == (k == "on")] for k in ("on", "off")}
        print(f"  /metrics scraped every {args.metrics_scrape:g} s in alternate {SCRAPE_WINDOW_S:g} s windows:"
              f" {len(took)} scrapes, median {percentile(took, 50):.1f} ms, max {max(took, default=0):.1f} ms;"
              + "; ".join(f" webhooks started while scraping {k}: {len(v)} writes, p50 {percentile(v, 50):.0f} ms,"
                          f" p95 {percentile(v, 95):.0f} ms" for k, v in ab.items()))
    print("  where the work goes (median ms per action; 'slowest' = the parts of its slowest 5%):")
    for action, found in sorted(spans.items()):
        slow = sorted(found, key=lambda x: x[0])[int(len(found) * 0.95):] or found[-1:]
        print(f"    {action:<9} " + ", ".join(f"{k} {percentile([p.get(k, 0.0) for _, p in found], 50):.0f}"
                                             for k in PARTS)
              + "; slowest: " + ", ".join(f"{k} {sum(p.get(k, 0.0) for _, p in slow) / len(slow):.0f}" for k in PARTS))
    if args.slowest:
        print(f"  the {args.slowest} slowest writes (ms):")
        for total, action, ack, queued, parts, why in sorted(slowest, key=lambda x: -x[0])[:args.slowest]:
            print(f"    {total:5.0f} {action:<9} ack {ack:.0f}, queue {queued:.0f}, "
                  + ", ".join(f"{k} {parts.get(k, 0.0):.0f}" for k in PARTS) + (f"  ({why[:70]})" if why else ""))
    ok = missing == 0 and bool(latencies)
    verdict = {"p95": p95 < TARGET_P95_MS, "calls per customer event": per_customer <= TARGET_CALLS}
    print(f"  {'all events handled' if ok else f'{missing} events NOT handled'}; targets: "
          + ", ".join(f"{k} {'met' if v else 'NOT met'}" for k, v in verdict.items()))
    if args.json:
        emit_json({"helpdesk": platform.name, "p50_ms": p50, "p95_ms": p95, "api_calls_per_event": per_customer,
                   "api_calls_per_customer_event": per_customer, "api_calls_per_delivered_event": per_delivered,
                   "customer_events": len(customer), "delivered_events": delivered, "writes": len(latencies),
                   "per_event_calls": len(per_event), "one_time_calls": sum(one_time.values()),
                   "calls_per_action": {a: round(sum(c) / len(c), 3) for a, c in by_action.items()},
                   **{f"median_{k}_ms": v for k, v in medians.items()}, "interval_s": args.interval,
                   "poll_s": poll_s, "repeat": args.repeat, "unhandled": missing,
                   "targets_met": verdict["p95"] and verdict["calls per customer event"],
                   "customer_calls_target_met": verdict["calls per customer event"],
                   "metrics_scrape_s": args.metrics_scrape, "metrics_scrapes": max(0, len(args.scrape_ms) - 1),
                   **{f"scraping_{k}_{p}_ms": percentile(v, n) for k, v in ab.items() for p, n in (("p50", 50), ("p95", 95))}})
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
