"""A backlog sweep over 10,000 sandbox tickets, against a sandbox limited like Zendesk Enterprise.

What: the wall time of one real sweep (jobs stored in a temporary database; no worker runs: this
measures the sweep's own API use, not the pipeline's) against the rate-limit bound, the API
calls per ticket, the 429s it met and the tickets it lost.

How: the sample company's sandbox with `--tickets` generated tickets created over hours 6 to 3
before now in the sandbox's spread of states (half still waiting on their first message, some
answered by an agent or the bot, some pending or solved, a few opted out, some with a follow-up
after the bot's reply), limited to `--limit` requests a minute, `--updates-per-minute` ticket
updates and Zendesk's `--export-limit` incremental export calls a minute, with the minute
shrunk by `--time-scale`. The sweep paces itself with its own budget (`--budget`, `--export-budget`
calls a minute, the settings `rate_limit_per_minute` and `export_rate_per_minute`).

- bound: the least time the sandbox's limits allow for the calls the sweep made, in a pacer's
  terms: max(calls / limit, export calls / export limit) minutes (scaled). Within 5 % is the target.
- API calls per ticket: every request the sandbox logged during the sweep (429s included) over
  the tickets it holds. Target ≤ 1.1.
- lost: tickets the sandbox's own records say wait on Deskhand (open, not opted out, no human
  agent reply, newest public comment the requester's) without a job afterwards; duplicates: jobs
  past one per ticket. Both must be 0.

The first run reads every candidate's comments one ticket at a time (`--comments per-ticket`,
the worst case for the rate limit); a second run on a fresh database reads them from the ticket
event export (`auto`, the default), reported as `events_*` (skip it with `--no-events`).

    .venv/bin/python scripts/bench_sweep.py [--tickets 10000] [--time-scale 0.2] [--json]
"""
from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from contextlib import closing

from benchlib import emit_json

HOUR = 3600


def one_sweep(sb, args, comments: str, expected: set[str], n_tickets: int) -> dict:
    from app.build import prepare_database
    from app.core.config import Settings
    from app.helpdesks.zendesk import build_export
    from app.schedule.sweep_run import run_sweep
    from connectors.zendesk_export import RateBudget
    data = tempfile.mkdtemp(prefix="bench-sweep-")
    settings = Settings(data_dir=data, zendesk_url=sb.url, bot_user_id=str(sb.bot_user_id), sweep_enabled=True,
                        sweep_lookback_days=1, sweep_waiting_minutes=15, sweep_max_actions=0,
                        rate_limit_per_minute=args.budget)
    prepare_database(settings)
    export, helpdesk = build_export(settings, minute_s=60 * args.time_scale)
    # a budget in tenths of a call (the setting is whole calls): 97 % of the limit, like --budget
    export.export_budget = RateBudget(args.export_budget, 60 * args.time_scale)
    # the sandbox's limits count in sliding windows: start this run with them empty
    time.sleep(60 * args.time_scale)
    first = len(sb.requests)
    started = time.perf_counter()
    report = run_sweep(settings, export=export, helpdesk=helpdesk, comments=comments)
    wall = time.perf_counter() - started
    log = [r for r in sb.requests[first:] if r["path"].startswith("/api/")]
    calls = len(log)
    exports = sum(r["path"].startswith("/api/v2/incremental/") for r in log)
    minute = 60 * args.time_scale
    bound = max(calls / args.limit, exports / args.export_limit if args.export_limit else 0) * minute
    with closing(sqlite3.connect(settings.db_path)) as con:
        jobs = [r[0] for r in con.execute("SELECT ticket_id FROM jobs WHERE kind = 'ticket.sweep'")]
    return {"wall_s": wall, "bound_s": bound, "ratio_to_bound": wall / bound if bound else float("nan"),
            "api_calls": calls, "export_calls": exports, "event_pages": report.event_pages,
            "comment_reads": report.comment_reads, "api_calls_per_ticket": calls / n_tickets,
            "rate_limited": sum(r["status"] == 429 for r in log), "enqueued": len(jobs),
            "lost": len(expected - set(jobs)), "duplicates": len(jobs) - len(set(jobs)),
            "unexpected": len(set(jobs) - expected), "stopped": report.stopped}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tickets", type=int, default=10000, help="generated sandbox tickets")
    ap.add_argument("--limit", type=int, default=700, help="sandbox: requests a minute (Enterprise: 700)")
    ap.add_argument("--updates-per-minute", type=int, default=100, help="sandbox: ticket updates a minute")
    ap.add_argument("--export-limit", type=int, default=10, help="sandbox: incremental export calls a minute")
    ap.add_argument("--time-scale", type=float, default=0.2, help="length of the sandbox's minute, in minutes")
    ap.add_argument("--budget", type=int, default=680, help="the sweep's rate_limit_per_minute")
    ap.add_argument("--export-budget", type=float, default=9.7, help="the sweep's export calls a minute")
    ap.add_argument("--no-events", action="store_true", help="skip the second run (comments from the event export)")
    ap.add_argument("--json", action="store_true", help="last line: one JSON object")
    args = ap.parse_args(argv)
    if args.tickets < 1 or args.limit < 1 or args.time_scale <= 0 or args.budget < 1:
        ap.error("--tickets, --limit, --budget and --time-scale must be positive")

    from sandbox import Sandbox
    sb = Sandbox.from_seed(rate_limit_per_minute=args.limit, updates_per_minute=args.updates_per_minute,
                           export_per_minute=args.export_limit or None, time_scale=args.time_scale).start()
    try:
        sb.generate(args.tickets, age_s=6 * HOUR, mix=True)
        expected = sb.waiting_on_bot(15 * 60)
        print(f"sandbox: {args.tickets} tickets ({len(expected)} waiting on Deskhand); limits {args.limit} requests,"
              f" {args.updates_per_minute} updates, {args.export_limit} export calls a minute; a minute lasts"
              f" {60 * args.time_scale:g} s; sweep budget {args.budget} calls and {args.export_budget:g} export calls"
              " a minute", flush=True)
        runs = {"per-ticket": one_sweep(sb, args, "per-ticket", expected, args.tickets)}
        if not args.no_events:
            runs["auto"] = one_sweep(sb, args, "auto", expected, args.tickets)
    finally:
        sb.stop()
    for name, r in runs.items():
        print(f"comments {name}: {r['wall_s']:.1f} s against a rate-limit bound of {r['bound_s']:.1f} s"
              f" (x{r['ratio_to_bound']:.3f}; target within 5 %); {r['api_calls']} API calls ="
              f" {r['api_calls_per_ticket']:.3f} per ticket (target <= 1.1: {r['export_calls']} export calls,"
              f" {r['comment_reads']} comment reads); 429s {r['rate_limited']}; enqueued {r['enqueued']},"
              f" lost {r['lost']}, duplicates {r['duplicates']}, not expected {r['unexpected']} ({r['stopped']})")
    main_run = runs["per-ticket"]
    ok = all(r["lost"] == 0 and r["duplicates"] == 0 and r["unexpected"] == 0 for r in runs.values())
    print("every waiting ticket enqueued exactly once" if ok else "TICKETS LOST OR DUPLICATED")
    if args.json:
        figures = {k: main_run[k] for k in ("wall_s", "bound_s", "ratio_to_bound", "api_calls_per_ticket",
                                            "rate_limited", "lost", "duplicates", "enqueued", "api_calls")}
        figures.update({"tickets": args.tickets, "waiting": len(expected), "time_scale": args.time_scale,
                        "limit": args.limit, "budget": args.budget})
        for k in ("wall_s", "bound_s", "ratio_to_bound", "api_calls_per_ticket", "rate_limited", "lost"):
            if "auto" in runs:
                figures[f"events_{k}"] = runs["auto"][k]
        emit_json(figures)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
