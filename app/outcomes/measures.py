"""Autonomous resolution and the performance figures, per category and per week. Pure: Deskhand's
decisions and the observed outcomes in, counts out (every rate with the count it was measured on).

Autonomous resolution, strictly: Deskhand answered publicly, the ticket was solved, no person posted
a public reply, the customer never said an answer did not help, and it was not reopened within
`WINDOW_DAYS` of the solve. Until the window has
passed a solved ticket is *pending*, neither resolved nor not; a ticket not solved yet, with no
person's reply, is pending too. `resolution` counts settled tickets only; `resolution_so_far` also
counts the pending solved ones as resolved (what the rate will be if none of them is reopened), so
a fresh deployment shows a figure on day one and says how much of it may still change.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone

WINDOW_DAYS = 7  # a reopen within this many days of the solve means the answer did not hold
ACTING = ("send", "draft", "escalate", "solve")
BAD_AFTER_SEND = ("not_helped", "category_changed", "human_replied")
DRAFT_FATES = ("draft_sent_as_is", "draft_edited", "draft_discarded")


def rate(k: int, n: int) -> dict:
    return {"k": k, "n": n, "rate": (k / n) if n else None}


def week_of(at: float) -> str:
    year, week, _ = datetime.fromtimestamp(at, timezone.utc).isocalendar()
    return f"{year}-W{week:02d}"


@dataclass
class TicketResult:
    platform: str
    ticket_id: str
    category: str  # of Deskhand's first decision on it
    week: str  # of that decision
    state: str  # resolved | pending_solved | pending_open | not_resolved
    decisions: list[dict] = field(default_factory=list)
    outcomes: list[dict] = field(default_factory=list)


def tickets(decisions: list[dict], outcomes: list[dict], now: float, window_days: float = WINDOW_DAYS,
            ) -> list[TicketResult]:
    """`decisions`: {id, at, platform, ticket_id, action, category, reasons}, only acting ones count;
    `outcomes`: rows of the outcomes table (detail decoded)."""
    by_ticket: dict[tuple, list[dict]] = defaultdict(list)
    for d in sorted(decisions, key=lambda d: (d["at"], d["id"])):
        if d["action"] in ACTING:
            by_ticket[(d["platform"], str(d["ticket_id"]))].append(d)
    seen: dict[tuple, list[dict]] = defaultdict(list)
    for o in outcomes:
        seen[(o["platform"], str(o["ticket_id"]))].append(o)
    results = []
    for key, ds in by_ticket.items():
        os = seen.get(key, [])
        results.append(TicketResult(key[0], key[1], ds[0]["category"] or "", week_of(ds[0]["at"]),
                                    _state(ds, os, now, window_days), ds, os))
    return results


def _state(ds: list[dict], os: list[dict], now: float, window_days: float) -> str:
    kinds = {o["kind"] for o in os}
    reopened = any(o["kind"] == "reopened" and (o["value"] or 0) <= window_days for o in os)
    if kinds & {"human_replied", "not_helped"} or reopened or not any(d["action"] == "send" for d in ds):
        return "not_resolved"
    solves = [o["at"] for o in os if o["kind"] == "solved"]
    if not solves:
        return "pending_open"
    if any(o["kind"] == "reopened" and o["at"] >= max(solves) for o in os):
        return "pending_open"  # reopened long after the solve, not solved again yet
    return "resolved" if now - max(solves) >= window_days * 86400 else "pending_solved"


def verdicts(results: list[TicketResult], window_days: float = WINDOW_DAYS) -> list[dict]:
    """Was each sent reply and each draft right? {category, at, good, why} for those settled:
    a sent reply is good once its ticket is solved with no "didn't help", category correction, a
    person's reply or a reopen within the window after it; a draft is good when sent as is, bad when
    edited or discarded or its category was corrected. The ladder measures precision on these."""
    found = []
    for t in results:
        for d in t.decisions:
            if d["action"] not in ("send", "draft"):
                continue
            mine = [o for o in t.outcomes if o["decision_id"] == d["id"]]
            kinds = {o["kind"] for o in mine}
            bad = sorted(kinds & set(BAD_AFTER_SEND)) + [o["kind"] for o in mine if o["kind"] == "reopened"
                                                         and (o["value"] or 0) <= window_days]
            if d["action"] == "draft":
                bad = sorted(kinds & {"draft_edited", "draft_discarded", "category_changed"})
                good = "draft_sent_as_is" in kinds and not bad
            else:
                good = "solved" in kinds and not bad
            if good or bad:
                found.append({"category": d["category"] or "", "action": d["action"], "at": d["at"],
                              "decision_id": d["id"], "ticket_id": t.ticket_id, "good": bool(good and not bad),
                              "why": ", ".join(bad) if bad else "solved" if d["action"] == "send" else "sent as is"})
    return sorted(found, key=lambda v: (v["at"], v["decision_id"]))


def figures(results: list[TicketResult]) -> dict:
    """The performance figures over these tickets; every rate as {k, n, rate}."""
    state = Counter(t.state for t in results)
    acting = [d for t in results for d in t.decisions]
    outcomes = [o for t in results for o in t.outcomes]
    escalated = [d for d in acting if d["action"] == "escalate"]
    fates = Counter(o["kind"] for o in outcomes if o["kind"] in DRAFT_FATES)
    fated = sum(fates.values())
    edits = [o["value"] for o in outcomes if o["kind"] == "draft_edited" and o["value"] is not None]
    csat = {"bot": [], "agent": []}
    for t in results:  # a customer's latest rating of the ticket counts, once
        rated = [o for o in t.outcomes if o["kind"] == "csat"]
        if rated:
            latest = max(rated, key=lambda o: o["id"])
            csat["bot" if latest["detail"].get("by") == "bot" else "agent"].append(latest["value"])
    sends = [d for d in acting if d["action"] == "send"]
    not_helped = {o["decision_id"] for o in outcomes if o["kind"] == "not_helped"}
    settled = state["resolved"] + state["not_resolved"]
    categorised = [t for t in results if t.category]
    return {
        "tickets": len(results),
        "resolved": state["resolved"], "pending_solved": state["pending_solved"],
        "pending_open": state["pending_open"], "not_resolved": state["not_resolved"],
        "resolution": rate(state["resolved"], settled),
        "resolution_so_far": rate(state["resolved"] + state["pending_solved"], settled + state["pending_solved"]),
        "handoff": rate(len(escalated), len(acting)),
        "handoff_reasons": Counter(_reason(d) for d in escalated).most_common(5),
        "draft_acceptance": rate(fates["draft_sent_as_is"], fated),
        "draft_edited": rate(fates["draft_edited"], fated),
        "draft_discarded": rate(fates["draft_discarded"], fated),
        "mean_edit_ratio": (sum(edits) / len(edits)) if edits else None,
        "csat_bot": rate(int(sum(csat["bot"])), len(csat["bot"])),
        "csat_agent": rate(int(sum(csat["agent"])), len(csat["agent"])),
        "wrong_category": rate(sum(1 for t in categorised if any(o["kind"] == "category_changed" for o in t.outcomes)),
                               len(categorised)),
        "not_helped": rate(sum(1 for d in sends if d["id"] in not_helped), len(sends)),
    }


def _reason(decision: dict) -> str:
    """An escalation's first reason with its numbers taken out, so like reasons group together."""
    reasons = decision.get("reasons") or ["(none given)"]
    return re.sub(r"\d+(?:\.\d+)?", "N", reasons[0])[:120]


def performance(results: list[TicketResult]) -> dict:
    """Figures overall, per category, per week and per category and week (weeks oldest first)."""
    by_cat, by_week, by_both = defaultdict(list), defaultdict(list), defaultdict(list)
    for t in results:
        by_cat[t.category or "(none)"].append(t)
        by_week[t.week].append(t)
        by_both[(t.category or "(none)", t.week)].append(t)
    return {"total": figures(results),
            "categories": {c: figures(ts) for c, ts in sorted(by_cat.items())},
            "weeks": {w: figures(ts) for w, ts in sorted(by_week.items())},
            "category_weeks": {f"{c} {w}": figures(ts) for (c, w), ts in sorted(by_both.items())}}


def cell(r: dict) -> str:
    """A rate beside its sample size: `67% n=12`, or `– n=0` when nothing was measured."""
    return f"{'–' if r['rate'] is None else format(r['rate'], '.0%')} n={r['n']}"


def headline(total: dict, window_days: float = WINDOW_DAYS) -> str:
    return (f"autonomous resolution: {cell(total['resolution'])} settled tickets"
            f"; so far {cell(total['resolution_so_far'])} counting the {total['pending_solved']} solved inside the "
            f"{window_days:g}-day reopen window as resolved; {total['pending_open']} not solved yet")
