#!/usr/bin/env python3
"""Gather latency and case-file completeness on the sample company.

Every context connector (Stripe, HubSpot, Linear, plus the helpdesk history) runs against its
local stand-in, each adding `--latency` to every request (default 100 ms). For each ticket of the
sample stream that the team escalates, the gatherer runs the category's plan from the sample
policy, and the case file's completeness is computed, as the worker would on escalation.

    .venv/bin/python scripts/bench_context.py [--latency 0.1] [--rounds 3] [--json]
"""
from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
COMPANY = ROOT / "sandbox" / "company"

from app.build import build_systems  # noqa: E402
from app.core.config import Settings  # noqa: E402
from app.core.domain import Decision, Fact, Requester, Ticket, Triage  # noqa: E402
from app.pipeline.case_file import case_file  # noqa: E402
from app.pipeline.gather import Gatherer  # noqa: E402
from app.policy.schema import parse_policy_text  # noqa: E402
from sandbox.vendors import serve  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.1, help="seconds each stand-in adds per request")
    parser.add_argument("--rounds", type=int, default=3, help="times each escalated ticket is gathered")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per stand-in request otherwise
    account = json.loads((COMPANY / "account.json").read_text(encoding="utf-8"))
    stream = [json.loads(line) for line in (COMPANY / "stream.jsonl").read_text(encoding="utf-8").splitlines()]
    history = [json.loads(line) for line in (COMPANY / "history.jsonl").read_text(encoding="utf-8").splitlines()]
    policy = parse_policy_text((COMPANY / "policy.yaml").read_text(encoding="utf-8"))
    vendors = serve.start(account, latency_s=args.latency)
    gatherer = Gatherer(build_systems(Settings(**vendors.settings)))
    timings, scores = [], []
    try:
        escalated = [t for t in stream if t["expect"] == "escalate" and t["category"]]
        for t in escalated:
            ticket = Ticket("zendesk", str(t["id"]), t["subject"], "open",
                            Requester(str(t["requester"]["id"]), t["requester"]["email"], t["requester"]["name"]),
                            page_url=t.get("page_url") or "")
            past = [Fact("helpdesk", f"#{h['id']} {h['subject']}", kind="history", at=h["created_at"])
                    for h in history if h["requester"]["email"] == t["requester"]["email"]][-5:]
            plan = policy.for_category(t["category"]).gather
            for _ in range(args.rounds):
                evidence = gatherer.gather(ticket, plan, t["body"], lambda past=past: past)
                timings.append(evidence.elapsed_ms)
            case = case_file(Triage(t["category"], 0.9), Decision("escalate", ("bench",)), evidence, [],
                             ticket, t["body"])
            scores.append(case.completeness)
            if case.missing:
                print(f"  #{t['id']} {t['category']:<16} completeness {case.completeness:.2f} "
                      f"missing {', '.join(case.missing)}" + (f"; gaps {evidence.gaps}" if evidence.gaps else ""))
    finally:
        gatherer.close()
        vendors.stop()
    timings.sort()
    result = {"p50_ms": round(statistics.median(timings), 1),
              "p95_ms": round(timings[max(0, int(0.95 * len(timings)) - 1)], 1),
              "completeness": round(statistics.mean(scores), 3), "escalations": len(scores),
              "gathers": len(timings), "latency_per_request_ms": args.latency * 1000}
    print(f"gather p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms over {len(timings)} gathers "
          f"({args.latency * 1000:.0f} ms added per vendor request; target p95 <= 300 ms)")
    print(f"case-file completeness {result['completeness']:.3f} over {len(scores)} escalations (target >= 0.9)")
    if args.json:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
