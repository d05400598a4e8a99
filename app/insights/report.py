"""An insights run as one plain dict (what --json prints, what the admin pages and the Slack digest
read back from the database), and as text and as an HTML page. Pure."""
from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from app.insights.analyse import Findings
from app.insights.costs import Cost
from app.insights.records import iso

TEMPLATES = Path(__file__).with_name("templates")
NO_RESOLUTION = ("resolution: — (no ticket Deskhand acted on in the window is settled yet: solved and past "
                 "the 7-day reopen window; see deskhand performance)")


def as_dict(findings: Findings, costs: list[Cost], issues: dict[str, str] | None = None) -> dict:
    """`issues`: recurring error key -> the bug tracker issue it is filed as."""
    link = findings.links.get

    def tickets(ids):
        return [{"id": i, "link": link(i, "")} for i in ids]
    return {
        "at": iso(findings.now), "since_days": round(findings.since_s / 86400, 1), "tickets": findings.tickets,
        "rising_topics": [{"name": t.topic.name, "subject": t.topic.subject, "count": t.topic.count,
                           "expected": t.topic.expected, "plans": dict(t.plans),
                           "representative": t.topic.representative, "tickets": tickets(t.topic.tickets)}
                          for t in findings.trends],
        "accounts_at_risk": [{"account": r.account, "name": r.name, "plan": r.plan, "arr": r.arr, "score": r.score,
                              "level": r.level, "arr_at_stake": r.weighted, "reasons": list(r.reasons),
                              "tickets": tickets(r.tickets)} for r in findings.risks],
        "recurring_errors": [{"key": e.key, "title": e.title, "codes": list(e.codes), "count": len(e.tickets),
                              "first_seen": iso(e.first_seen), "last_seen": iso(e.last_seen),
                              "accounts": len(e.accounts), "tickets": tickets(e.tickets),
                              "issue": (issues or {}).get(e.key, "")} for e in findings.errors],
        "costs": [{**asdict(c), "per_ticket_usd": round(c.per_ticket_usd, 6)} for c in costs],
        "resolution_note": "" if any(c.resolution is not None for c in costs) else NO_RESOLUTION,
        "gaps": list(findings.gaps),
    }


def as_text(report: dict) -> str:
    lines = [f"Insights over the last {report['since_days']:g} days ({report['tickets']} tickets), {report['at']}", ""]
    lines.append("Rising topics:" if report["rising_topics"] else "Rising topics: none")
    for t in report["rising_topics"]:
        plans = ", ".join(f"{p} {n}" for p, n in t["plans"].items())
        lines.append(f"  {t['name']}: {t['count']} tickets (baseline predicts {t['expected']:g}); plans: {plans}")
        lines.append(f"    e.g. “{t['subject']}” — {_ids(t['tickets'])}")
    lines.append("Accounts at risk:" if report["accounts_at_risk"] else "Accounts at risk: none")
    for r in report["accounts_at_risk"]:
        lines.append(f"  {r['name']} ({r['plan'] or 'plan unknown'}, ARR {r['arr']:,.0f}): risk {r['score']:.2f} "
                     f"({r['level']}) — {_ids(r['tickets'])}")
        lines += [f"    · {why}" for why in r["reasons"]]
    lines.append("Recurring errors:" if report["recurring_errors"] else "Recurring errors: none")
    for e in report["recurring_errors"]:
        issue = f" → {e['issue']}" if e["issue"] else ""
        lines.append(f"  {e['title']}{issue}: first {e['first_seen'][:10]}, last {e['last_seen'][:10]}, "
                     f"{e['accounts']} accounts — {_ids(e['tickets'])}")
    lines.append("Cost per ticket, by category and week:" if report["costs"] else
                 "Cost per ticket: no ticket handled by Deskhand in the window")
    for c in report["costs"]:
        rate = "—" if c["resolution"] is None else f"{c['resolution']:.0%}"
        lines.append(f"  {c['week']} {c['category']:<18} {c['tickets']:>4} tickets  ${c['per_ticket_usd']:.4f}/ticket  "
                     f"{c['tokens']} tokens  {c['lookups']} lookups  {c['seconds']:.2f} s/ticket  resolution {rate}")
    if report["resolution_note"]:
        lines.append("  " + report["resolution_note"])
    lines += [f"Gap: {g}" for g in report["gaps"]]
    return "\n".join(lines)


def _ids(tickets: list[dict], most: int = 12) -> str:
    shown = " ".join(f"#{t['id']}" for t in tickets[:most])
    return shown + (f" (+{len(tickets) - most} more)" if len(tickets) > most else "")


def _template(name: str):
    from jinja2 import Environment, FileSystemLoader, select_autoescape
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]))
    return env.get_template(name)


def html_body(report: dict) -> str:
    """The report's sections as HTML, every value escaped (ticket text is customers' text): the
    /admin page and the standalone page both show this."""
    return _template("insights_body.html").render(report=report)


def as_html(report: dict) -> str:
    """A standalone page (what --html writes)."""
    return _template("insights_page.html").render(report=report, body=html_body(report))


def latest(db) -> dict | None:
    """The last stored report, or None when insights never ran."""
    if "insight_reports" not in db.table_names():
        return None
    row = next(db["insight_reports"].rows_where(order_by="id DESC", limit=1), None)
    return json.loads(row["report"]) if row else None
