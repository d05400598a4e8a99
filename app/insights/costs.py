"""What each ticket costs, per category and per week, from the audit trail Deskhand already keeps:
model tokens and dollars (the triage and compose steps record them; the offline engine spends
none), connector lookups (the gather step's facts and gaps, one per system asked) and processing
time (a job's first audit row to its last). The resolution rate comes from outside (the outcomes
of the tickets, app/outcomes when present): `resolution` maps a category to its rate, and a
category without one shows "—"."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone

import sqlite_utils

SPENDING_STEPS = ("triage", "compose", "gather", "decide")


@dataclass(frozen=True)
class Cost:
    category: str
    week: str  # ISO week, e.g. 2026-W46
    tickets: int
    tokens: int
    cost_usd: float
    lookups: int
    seconds: float  # mean processing time per ticket
    resolution: float | None = None  # share resolved without a person; None when not measured

    @property
    def per_ticket_usd(self) -> float:
        return self.cost_usd / self.tickets if self.tickets else 0.0


def read_audit(db: sqlite_utils.Database, since: float) -> list[dict]:
    """The audit rows that carry spending, of jobs that started after `since`."""
    marks = ", ".join("?" for _ in SPENDING_STEPS)
    return [{**row, "detail": json.loads(row["detail"])} for row in db.query(
        f"SELECT job_id, at, step, detail FROM audit WHERE job_id IS NOT NULL AND at >= ? AND step IN ({marks})"
        " ORDER BY id", [since, *SPENDING_STEPS])]


def job_spans(db: sqlite_utils.Database, since: float) -> dict[int, float]:
    """Seconds from each job's first audit row to its last."""
    return {row["job_id"]: row["span"] for row in db.query(
        "SELECT job_id, MAX(at) - MIN(at) AS span FROM audit WHERE job_id IS NOT NULL AND at >= ? GROUP BY job_id",
        [since])}


def per_category(rows: list[dict], spans: dict[int, float], resolution: dict[str, float] | None = None) -> list[Cost]:
    """One Cost per (category, week): the jobs that reached a decision, with what they spent."""
    jobs: dict[int, dict] = {}
    for row in rows:
        job = jobs.setdefault(row["job_id"], {"at": row["at"], "category": None, "tokens": 0, "cost": 0.0, "lookups": 0})
        detail = row["detail"]
        job["tokens"] += int(detail.get("tokens") or 0)
        job["cost"] += float(detail.get("cost_usd") or 0.0)
        if row["step"] == "gather":
            job["lookups"] += len({f.get("source") for f in detail.get("facts") or []}) + len(detail.get("gaps") or [])
        if row["step"] == "decide":
            job["category"] = detail.get("category") or "unknown"
    groups: dict[tuple[str, str], list] = {}
    for job_id, job in jobs.items():
        if job["category"] is None:
            continue  # skipped before a decision: nothing was spent on an answer
        year, week, _ = datetime.fromtimestamp(job["at"], timezone.utc).isocalendar()
        groups.setdefault((job["category"], f"{year}-W{week:02d}"), []).append((job_id, job))
    found = []
    for (category, week), members in sorted(groups.items()):
        n = len(members)
        found.append(Cost(category=category, week=week, tickets=n, tokens=sum(j["tokens"] for _, j in members),
                          cost_usd=round(sum(j["cost"] for _, j in members), 6),
                          lookups=sum(j["lookups"] for _, j in members),
                          seconds=round(sum(spans.get(i, 0.0) for i, _ in members) / n, 3),
                          resolution=(resolution or {}).get(category)))
    return found
