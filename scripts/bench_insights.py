#!/usr/bin/env python3
"""Insights over 10,000 sandbox tickets: the time one run takes, and what it flags against the
planted cases.

The tickets are the sample company's own (history and stream), re-dated at random over the last
`--weeks` weeks, given to another person of the same organization and lightly re-worded (greeting,
sign-off), seeded. Into the last two weeks go the planted cases of `--plants`:
  heldout  sandbox/company/signals_heldout.jsonl — differently worded cases (a Starter price change,
           Halcyon Health at risk with its Stripe downgrade and declined charge, a recurring
           SYNC_CONFLICT_409) that nothing was tuned on: the figures to report
  tuning   sandbox/company/signals.jsonl — the cases the thresholds were set on
  fresh    sandbox/company/signals_fresh.jsonl — written after the held-out set had been looked at,
           by someone who had not read the analysis code (an Enterprise usage-overage line, Vertex
           Robotics at risk, AUTH_SAML_CLOCK_SKEW and blank charts in emailed reports with no code);
           its rows may carry a `case` to tell two planted cases of one kind apart
  fresh2   sandbox/company/signals_fresh2.jsonl — written on 2026-12-07 by someone who had read neither
           the analysis code nor its results (threshold notifications on Starter arriving late, in an
           hourly batch; Northwind Logistics at risk from its tickets alone, with NO Stripe story;
           ERR_SHEETS_HEADER_MISMATCH; a saved default date range not kept, with no code)
  fresh3   sandbox/company/signals_fresh3.jsonl — written on 2026-12-07 by someone who had read neither
           the analysis code nor its results (Brightline branding newly shown on Growth embedded dashboards;
           Bluefin Retail Group at risk from its tickets alone, with NO Stripe story; ERR_GEO_TILES_FORBIDDEN;
           decimal commas dropped on CSV upload, with no code)
  fresh4   sandbox/company/signals_fresh4.jsonl — written on 2026-12-07 by someone who had read neither
           the analysis code, nor the other plant sets, nor any result (Starter now charging read-only
           Viewers as seats; Northwind Logistics at risk from its tickets alone, NO Stripe story;
           ERR_XLSX_STREAM_ABORTED on Excel exports; a dashboard's saved date range reset, with no code)
  fresh5   sandbox/company/signals_fresh5.jsonl — written on 2026-12-07 under the same terms, after fresh4 had
           been measured (Starter data refreshed nightly instead of hourly; Crescent Financial at risk from its
           tickets alone; BL-4471 on public share links; a bar chart's tooltip showing the next bar's value)
  fresh6   sandbox/company/signals_fresh6.jsonl — the same terms, after fresh5 had been measured (Growth
           charts hiding history older than 12 months; Atlas Property Management and Evergreen Solar at
           risk from their tickets alone, one angry, one quietly leaving; ERR_FIELD_DEPTH_LIMIT; resized
           charts snapping back, with no code)
  fresh7   sandbox/company/signals_fresh7.jsonl — the same terms, written after fresh6 had been measured (Starter
           now including only 5 free Viewers, $5 a month each beyond; Kestrel Foods at risk, frustrated over
           a stuck Salesforce sync, and Pioneer Freight quietly preparing to leave, from their tickets alone;
           ERR_QUERY_LEASE_EXPIRED; scheduled PDF reports with blank chart areas, with no code)
  fresh8   sandbox/company/signals_fresh8.jsonl — the same terms, written after fresh7 had been measured (a
           new $15 a month platform fee on Starter; Quillfeather Publishing at risk, exasperated over a
           broken Google Sheets sync, and Atlas Property Management quietly leaving, from their tickets
           alone; ERR_TILE_SNAPSHOT_MISMATCH; scheduled report emails delivered twice, with no code)
  fresh9   sandbox/company/signals_fresh9.jsonl — the same terms, written after fresh8 had been measured
           (Growth now billing Viewers beyond the first 10 as paid seats; Harborview Hotels at risk,
           exasperated over a stale daily report, and Vertex Robotics quietly leaving, from their tickets
           alone; ERR_XLSX_SHEET_LIMIT; a dashboard date filter that leaves table widgets behind, with no code)
  fresh10  sandbox/company/signals_fresh10.jsonl — the same terms, written after fresh9 had been measured and
           kept unread until a change to the analysis was tried; measured then (docs/insights.md)
  fresh11  sandbox/company/signals_fresh11.jsonl — the same terms, written after fresh10 had been measured and
           kept unread until the sensitivity detector of the seventh test part; measured then (docs/insights.md)
           (a fee for Viewers on Growth; Halcyon Health exasperated and Evergreen Solar quietly leaving, from their
           tickets alone; ERR_FILTER_SCOPE_MISMATCH; exports shifted by a day, with no code)
  fresh12  sandbox/company/signals_fresh12.jsonl — the same terms, written after fresh11 had been measured and
           kept unread; measured once as things were when no change came (docs/insights.md)
  fresh13  sandbox/company/signals_fresh13.jsonl — the same terms, written after fresh12 had been measured and
           kept unread until topics were also found within each plan tier; measured then (docs/insights.md)
  fresh14  sandbox/company/signals_fresh14.jsonl — the same terms, written after fresh13 had been measured and
           kept unread; measured once on 8 December as things were (docs/insights.md)
  fresh15  sandbox/company/signals_fresh15.jsonl — the same terms, written on 8 December while fresh14 was still
           unread, kept unread for the change after fresh14's (not yet run)
The Stripe and HubSpot stand-ins serve billing and CRM over real HTTP; Stripe holds the planted
billing of that set's account only.

Precision and recall are per ticket (of the tickets on flagged lines, the share that are planted
for that kind; of the planted tickets, the share on a flagged line) and per item (flagged lines that
are mostly planted; planted cases found). The run itself is timed: reading, encoding, analysing,
billing and CRM lookups (target: under 60 s on two cores).

    .venv/bin/python scripts/bench_insights.py [--tickets 10000] [--weeks 26] [--plants heldout|tuning|fresh|fresh2|…|fresh15] [--seed 7] [--json]
        [--no-vendor-signals]
"""
from __future__ import annotations

import argparse
import json
import logging
import random
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
COMPANY = ROOT / "sandbox" / "company"

from werkzeug.serving import make_server  # noqa: E402

from app.build import build_systems  # noqa: E402
from app.core.config import Settings  # noqa: E402
from app.insights import records  # noqa: E402
from app.insights.run import run, sample_now  # noqa: E402
from sandbox.vendors import serve, stripe  # noqa: E402

DAY = 86400
PLANTS = {"heldout": "signals_heldout.jsonl", "tuning": "signals.jsonl", "fresh": "signals_fresh.jsonl",
          "fresh2": "signals_fresh2.jsonl", "fresh3": "signals_fresh3.jsonl", "fresh4": "signals_fresh4.jsonl",
          "fresh5": "signals_fresh5.jsonl", "fresh6": "signals_fresh6.jsonl", "fresh7": "signals_fresh7.jsonl",
          "fresh8": "signals_fresh8.jsonl", "fresh9": "signals_fresh9.jsonl",
          "fresh10": "signals_fresh10.jsonl", "fresh11": "signals_fresh11.jsonl",
          "fresh12": "signals_fresh12.jsonl", "fresh13": "signals_fresh13.jsonl",
          "fresh14": "signals_fresh14.jsonl", "fresh15": "signals_fresh15.jsonl"}
# fresh2's to fresh15's accounts at risk have no Stripe story on purpose: it must be found from its tickets alone.
AT_RISK = {"heldout": stripe.AT_RISK_HELD_OUT, "tuning": stripe.AT_RISK, "fresh": stripe.AT_RISK_FRESH,
           **{f"fresh{n}": {} for n in range(2, 15)}}
OPENINGS = ("", "Hi,\n\n", "Hello team,\n\n", "Hey there - ", "Good morning,\n\n", "Hi support,\n\n")
CLOSINGS = ("", "\n\nThanks", "\n\nThanks in advance!", "\n\nCheers", "\n\nBest regards", "\n\nthx")
KINDS = ("trend", "churn", "bug")


def background(n: int, weeks: int, seed: int, now: float) -> list[records.TicketRecord]:
    rng = random.Random(seed)
    account = json.loads((COMPANY / "account.json").read_text(encoding="utf-8"))
    people: dict[str, list[str]] = {}
    for user in account["users"]:
        if user["role"] == "end-user":
            people.setdefault(str(user.get("organization_id") or ""), []).append(user["email"])
    rows = records.read_jsonl(COMPANY / "history.jsonl") + records.read_jsonl(COMPANY / "stream.jsonl")
    out = []
    for i in range(n):
        row = rng.choice(rows)
        org = str(row.get("organization_id") or "")
        body = rng.choice(OPENINGS) + row["body"] + rng.choice(CLOSINGS)
        out.append(records.TicketRecord(
            id=f"b{i}", subject=row["subject"], body=body, created_at=now - rng.uniform(0, weeks * 7 * DAY),
            requester=rng.choice(people.get(org) or [row["requester"]["email"]]), account=org,
            link=f"https://brightline.zendesk.com/agent/tickets/b{i}"))
    return out


def start_stripe(account: dict, plants: str, vendor_signals: bool = True):
    app = stripe.create_app(stripe.sample_data(account, at_risk=AT_RISK[plants] if vendor_signals else {}))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def scores(findings, truth: dict[str, str], accounts_at_risk: set[str], cases: dict[str, str]) -> dict:
    lines = {"trend": [set(t.topic.tickets) for t in findings.trends],
             "bug": [set(e.tickets) for e in findings.errors]}
    out = {}
    for kind, flagged in lines.items():
        planted = {i for i, k in truth.items() if k == kind}
        on_lines = set().union(*flagged) if flagged else set()
        out[kind] = {"flagged_lines": len(flagged),
                     "lines_mostly_planted": sum(len(f & planted) * 2 > len(f) for f in flagged),
                     "ticket_precision": round(len(on_lines & planted) / len(on_lines), 3) if on_lines else None,
                     "ticket_recall": round(len(on_lines & planted) / len(planted), 3) if planted else None}
    flagged_accounts = [r.account for r in findings.risks]
    found = [a for a in flagged_accounts if a in accounts_at_risk]
    out["churn"] = {"flagged_accounts": [r.name for r in findings.risks],
                    "precision": round(len(found) / len(flagged_accounts), 3) if flagged_accounts else None,
                    "recall": round(len(set(found)) / len(accounts_at_risk), 3)}
    everything = {i for f in lines.values() for s in f for i in s} | {i for r in findings.risks for i in r.tickets}
    # Per planted case (rows with a `case`): the share of its tickets on a line of its kind, and on
    # the single line holding most of them.
    out["cases"] = {}
    for case in sorted(set(cases.values())):
        mine = {i for i, c in cases.items() if c == case}
        kind = truth[next(iter(mine))]
        flagged = lines.get(kind, [])
        out["cases"][case] = {"kind": kind, "planted": len(mine),
                              "on_a_line": len(mine & set().union(*flagged)) if flagged else 0,
                              "on_best_line": max((len(mine & f) for f in flagged), default=0)}
    out["noise_tickets_flagged"] = sorted(i for i in everything if truth.get(i) == "noise")
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=10000)
    parser.add_argument("--weeks", type=int, default=26, help="the background is spread over this many weeks")
    parser.add_argument("--plants", choices=sorted(PLANTS), default="heldout")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--no-vendor-signals", action="store_true",
                        help="leave the at-risk account's Stripe story out: is it found from its tickets alone?")
    args = parser.parse_args(argv)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    account = json.loads((COMPANY / "account.json").read_text(encoding="utf-8"))
    now = sample_now()
    planted_rows = records.read_jsonl(COMPANY / PLANTS[args.plants])
    truth = {str(r["id"]): r["plant"] for r in planted_rows}
    at_risk = {str(r["organization_id"]) for r in planted_rows if r["plant"] == "churn"}
    cases = {str(r["id"]): f"{r['plant']}:{r['case']}" for r in planted_rows if r.get("case")}
    tickets = background(args.tickets - len(planted_rows), args.weeks, args.seed, now)
    tickets += [records.from_row(r, f"https://brightline.zendesk.com/agent/tickets/{r['id']}") for r in planted_rows]
    vendors = serve.start(account)
    stripe_server = start_stripe(account, args.plants, not args.no_vendor_signals)
    try:
        settings = Settings(**{**vendors.settings, "stripe_url": f"http://127.0.0.1:{stripe_server.server_port}",
                               "linear_api_key": "", "slack_token": ""})
        systems = build_systems(settings)
        accounts = records.accounts_from(account)
        started, cpu = time.perf_counter(), time.process_time()
        result = run(None, systems, tickets, accounts, now, 14 * DAY)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        stripe_server.shutdown()
        vendors.stop()
    figures = {"tickets": len(tickets), "weeks": args.weeks, "plants": args.plants, "seed": args.seed,
               "vendor_signals": not args.no_vendor_signals, "seconds": round(seconds, 1), "cpu_seconds": round(cpu, 1), "in_window": result.findings.tickets, **scores(result.findings, truth, at_risk, cases)}
    if args.json:
        print(json.dumps(figures))
        return 0
    print(f"{figures['tickets']} tickets over {args.weeks} weeks ({figures['in_window']} in the last 14 days), "
          f"plants: {args.plants}, seed {args.seed}"
          f"{'' if figures['vendor_signals'] else ', no Stripe story for the planted account'}")
    print(f"one insights run: {figures['seconds']} s wall, {figures['cpu_seconds']} s of CPU in this process "
          f"(the stand-ins' included; target under 60 s)")
    for kind, name in (("trend", "rising topics"), ("bug", "recurring errors")):
        f = figures[kind]
        print(f"{name}: {f['flagged_lines']} flagged, {f['lines_mostly_planted']} mostly planted; "
              f"ticket precision {f['ticket_precision']}, recall {f['ticket_recall']}")
    c = figures["churn"]
    print(f"accounts at risk: {', '.join(c['flagged_accounts']) or 'none'}; precision {c['precision']}, recall {c['recall']}")
    for case, f in figures["cases"].items():
        print(f"  case {case}: {f['on_a_line']}/{f['planted']} on a {f['kind']} line, {f['on_best_line']} on one line")
    print(f"noise tickets on a flagged line: {len(figures['noise_tickets_flagged'])}")
    for t in result.findings.trends:
        print(f"  topic {t.topic.name}: {t.topic.count} (expected {t.topic.expected}) {dict(t.plans)}")
    for e in result.findings.errors:
        print(f"  error {e.title}")
    for r in result.findings.risks:
        print(f"  risk {r.name} {r.score}: {'; '.join(r.reasons)[:200]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
