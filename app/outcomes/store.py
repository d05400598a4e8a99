"""The `outcomes` table (migration m013): one row per outcome observed after a decision.

Other parts read it: /metrics counts rows by kind, the knowledge-gaps report reads `draft_edited`
rows with a high edit ratio (`value`), and `corrections` hands agents' category corrections to the
model's training history.
"""
from __future__ import annotations

import json
import time

import sqlite_utils

from app.outcomes.derive import Decided, Known, Observed
from app.store.views import between_markers

WRITES = ("send", "draft", "escalate", "solve")  # decisions that put something on the ticket


def decided(db: sqlite_utils.Database, platform: str, ticket_id: str) -> list[Decided]:
    """Deskhand's decisions on this ticket that were written, oldest first: each `decide` audit row
    with the `act` of the same job after it (a decision whose write never happened is left out)."""
    found, compose, pending = [], None, None
    for row in db["audit"].rows_where("platform = ? AND ticket_id = ? AND step IN ('triage', 'compose', 'decide', 'act')",
                                      [platform, str(ticket_id)], order_by="id"):
        detail = json.loads(row["detail"])
        if row["step"] == "triage":
            compose, pending = None, None
        elif row["step"] == "compose":
            compose = detail
        elif row["step"] == "decide":
            pending = (row, detail, compose) if detail.get("action") in WRITES else None
        elif pending and row["job_id"] == pending[0]["job_id"]:
            decide, d, comp = pending
            text = detail.get("text") or ""
            proposed = (between_markers(text) or (comp or {}).get("text") or "") if d["action"] == "draft" else ""
            found.append(Decided(id=decide["id"], at=decide["at"], action=d["action"], category=d.get("category") or "",
                                 text=text, public=bool(detail.get("public")), proposed=proposed))
            pending = None
    return found


def known(db: sqlite_utils.Database, platform: str, ticket_id: str) -> Known:
    return Known({r["key"]: r["at"] for r in db["outcomes"].rows_where(
        "platform = ? AND ticket_id = ?", [platform, str(ticket_id)], select="key, at")})


def record(db: sqlite_utils.Database, platform: str, ticket_id: str, observed: list[Observed],
           now: float | None = None) -> list[dict]:
    """Store what is new; a key already stored is skipped (a redelivery, a second worker, a sweep)."""
    now = time.time() if now is None else now
    added = []
    for o in observed:
        row = {"at": now, "platform": platform, "ticket_id": str(ticket_id), "key": o.key, "decision_id": o.decision.id,
               "category": o.decision.category, "action": o.decision.action, "kind": o.kind, "value": o.value,
               "detail": json.dumps(o.detail, sort_keys=True, ensure_ascii=False)}
        cur = db.execute(f"INSERT OR IGNORE INTO outcomes ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                         list(row.values()))
        if cur.rowcount:
            added.append(row)
    return added


def rows(db: sqlite_utils.Database, since: float | None = None, kinds: tuple[str, ...] = ()) -> list[dict]:
    where, args = ["1 = 1"], []
    if since is not None:
        where.append("at >= ?")
        args.append(since)
    if kinds:
        where.append(f"kind IN ({', '.join('?' * len(kinds))})")
        args += list(kinds)
    return [{**r, "detail": json.loads(r["detail"] or "{}")}
            for r in db["outcomes"].rows_where(" AND ".join(where), args, order_by="id")]


def counts(db: sqlite_utils.Database) -> dict[str, int]:
    """Every outcome recorded, by kind (for /metrics: a running total, read at scrape time)."""
    return dict(db.execute("SELECT kind, COUNT(*) FROM outcomes GROUP BY kind").fetchall())


def corrections(db: sqlite_utils.Database, since: float | None = None) -> list[tuple[str, str, str, float]]:
    """Agents' category corrections, oldest first: (platform, ticket_id, new_category, at) — for the
    model's training history (the ticket's text is read from the helpdesk by whoever trains)."""
    return [(r["platform"], r["ticket_id"], r["detail"].get("to", ""), r["at"])
            for r in rows(db, since, ("category_changed",))]


def decisions(db: sqlite_utils.Database, since: float | None = None) -> list[dict]:
    """Deskhand's decide records (oldest first) as measures.tickets takes them."""
    where, args = "step = 'decide'", []
    if since is not None:
        where, args = where + " AND at >= ?", [since]
    found = []
    for r in db["audit"].rows_where(where, args, order_by="id"):
        d = json.loads(r["detail"])
        found.append({"id": r["id"], "at": r["at"], "platform": r["platform"], "ticket_id": r["ticket_id"],
                      "action": d.get("action") or "", "category": d.get("category") or "",
                      "reasons": d.get("reasons") or []})
    return found


def results(db: sqlite_utils.Database, now: float | None = None, days: float | None = None):
    """Every ticket Deskhand acted on in the last `days` (all when None), with its outcomes and state."""
    from app.outcomes import measures
    now = time.time() if now is None else now
    since = None if days is None else now - days * 86400
    ds = decisions(db, since)
    tickets = {(d["platform"], d["ticket_id"]) for d in ds}
    outcomes = [o for o in rows(db, since) if (o["platform"], o["ticket_id"]) in tickets]
    return measures.tickets(ds, outcomes, now)
