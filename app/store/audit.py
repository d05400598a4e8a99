"""Append-only record of every step of every job, and the trace `deskhand show` prints."""
from __future__ import annotations

import json
import time
from datetime import datetime, timezone

import sqlite_utils


def record(db: sqlite_utils.Database, step: str, *, platform: str, ticket_id: str,
           job_id: int | None = None, delivery_id: str = "", **detail) -> None:
    db.execute("INSERT INTO audit (at, job_id, delivery_id, platform, ticket_id, step, detail)"
               " VALUES (?, ?, ?, ?, ?, ?, ?)",
               [time.time(), job_id, delivery_id, platform, ticket_id, step,
                json.dumps(detail, default=str, sort_keys=True)])


def trail(db: sqlite_utils.Database, ticket_id: str, platform: str | None = None) -> list[dict]:
    where, args = "ticket_id = ?", [str(ticket_id)]
    if platform:
        where, args = where + " AND platform = ?", args + [platform]
    rows = db["audit"].rows_where(where, args, order_by="id")
    return [{**row, "detail": json.loads(row["detail"])} for row in rows]


QUIET_ZEROES = {"tokens", "cost_usd"}  # offline triage spends none; no need to say so on every ticket


def format_trail(rows: list[dict], full: bool = False) -> str:
    """A decision trace a support lead can read top to bottom; long values are cut at 300 characters
    unless `full` (then texts keep their lines: the reply or the note exactly as written)."""
    lines = []
    for row in rows:
        at = datetime.fromtimestamp(row["at"], timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
        detail = row["detail"]
        summary = detail.pop("summary", "")
        lines.append(f"{at}  job {row['job_id'] or '-':<5} {row['step']:<10} {summary}")
        for name, value in detail.items():
            if value not in ("", None, [], {}) and not (name in QUIET_ZEROES and not value):
                lines.append(f"{'':29}{name}: {_whole(value) if full else _short(value)}")
    return "\n".join(lines)


def _whole(value) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
    return text.replace("\n", "\n" + " " * 31)


def _short(value, limit: int = 300) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def record_case_file(db, platform: str, ticket_id: str, category: str | None, case, evidence) -> None:
    """An escalation's case file, for the measures of how complete case files are (the note holds its text)."""
    db["case_files"].insert({
        "at": time.time(), "platform": platform, "ticket_id": ticket_id, "category": category or "",
        "completeness": case.completeness, "missing": json.dumps(case.missing),
        "gaps": json.dumps([g.source for g in evidence.gaps]), "gather_ms": evidence.elapsed_ms})
