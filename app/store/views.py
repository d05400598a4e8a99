"""What the Zendesk app and /admin show, read back from the audit trail and the action tables.

The audit trail is the record of what Deskhand did (app/pipeline/orchestrator.py logs one row per step:
triage, compose, check, decide, then gather, act, actions). A "run" here is one decision with the
steps of the same job around it: the triage, compose and check just before it, and what was
gathered, written and run after it.
"""
from __future__ import annotations

import json

import sqlite_utils

BEFORE = ("triage", "compose", "check")
AFTER = ("gather", "act", "actions")
REPLY_START, REPLY_END = "----- proposed reply -----", "--------------------------"


def _row(row: dict | None) -> dict | None:
    return None if row is None else {**row, "detail": json.loads(row["detail"])}


def newest_decision(db: sqlite_utils.Database, platform: str, ticket_id: str) -> dict | None:
    return _row(next(db["audit"].rows_where("platform = ? AND ticket_id = ? AND step = 'decide'",
                                            [platform, str(ticket_id)], order_by="id DESC", limit=1), None))


def decisions(db: sqlite_utils.Database, limit: int, category: str | None = None) -> list[dict]:
    """The newest decide records, newest first (of one category when given)."""
    where, args = "step = 'decide'", []
    if category is not None:
        where += " AND json_extract(detail, '$.category') IS ?"
        args.append(category or None)
    return [_row(r) for r in db["audit"].rows_where(where, args, order_by="at DESC, id DESC", limit=limit)]


def inputs_of(db: sqlite_utils.Database, decision: dict) -> dict[str, dict]:
    """The triage, compose and check records that led to this decision (same job, just before it).
    Walking back stops at the triage: a compose further back belongs to an earlier attempt."""
    found: dict[str, dict] = {}
    rows = db["audit"].rows_where(
        "platform = ? AND ticket_id = ? AND job_id IS ? AND id < ? AND step IN ('triage', 'compose', 'check')",
        [decision["platform"], decision["ticket_id"], decision["job_id"], decision["id"]], order_by="id DESC")
    for row in rows:
        found.setdefault(row["step"], json.loads(row["detail"]))
        if row["step"] == "triage":
            break
    return found


def _after(db: sqlite_utils.Database, decision: dict) -> dict[str, dict]:
    found: dict[str, dict] = {}
    rows = db["audit"].rows_where(
        "platform = ? AND ticket_id = ? AND job_id IS ? AND id > ? AND step IN ('gather', 'act', 'actions', 'triage')",
        [decision["platform"], decision["ticket_id"], decision["job_id"], decision["id"]], order_by="id")
    for row in rows:
        if row["step"] == "triage":  # a later attempt of the same job started over
            break
        found.setdefault(row["step"], json.loads(row["detail"]))
    return found


def ticket_view(db: sqlite_utils.Database, platform: str, ticket_id: str, ticket_url: str) -> dict | None:
    """Everything the sidebar shows for one ticket; None when Deskhand has no record of it."""
    decision = newest_decision(db, platform, ticket_id)
    if decision is None:
        return None
    before, after = inputs_of(db, decision), _after(db, decision)
    d, triage, gather = decision["detail"], before.get("triage"), after.get("gather") or {}
    actions = list(db["pending_actions"].rows_where("platform = ? AND ticket_id = ?", [platform, str(ticket_id)],
                                                    order_by="id"))
    case = next(db["case_files"].rows_where("platform = ? AND ticket_id = ?", [platform, str(ticket_id)],
                                            order_by="id DESC", limit=1), None)
    return {
        "ticket_id": str(ticket_id),
        "ticket_url": ticket_url,
        "triage": None if triage is None else {
            "category": triage.get("category"), "confidence": triage.get("confidence"),
            "sentiment": triage.get("sentiment"), "frustration": triage.get("frustration"),
            "flags": triage.get("flags") or [], "language": triage.get("language"),
            "alternatives": [{"category": c, "confidence": p} for c, p in triage.get("alternatives") or []],
            "issues": triage.get("issues") or [], "page_url": triage.get("page_url", ""),
            "page_area_name": triage.get("page_area_name", ""), "engine": triage.get("engine", ""),
            "error": triage.get("error", "")},
        "decision": {"action": d.get("action"), "reasons": d.get("reasons") or [], "mode": d.get("mode"),
                     "send_at": d.get("send_at"), "draft_at": d.get("draft_at"), "at": decision["at"]},
        "evidence": [{"source": f.get("source", ""), "text": f.get("text", ""), "link": f.get("link", ""),
                      "kind": f.get("kind", "")} for f in gather.get("facts") or []],
        "gaps": [{"source": g.get("source", ""), "reason": g.get("reason", "")} for g in gather.get("gaps") or []],
        "draft": _draft(db, before, after.get("act"), d),
        "pending_actions": [{"id": a["id"], "action": a["action"], "summary": a["summary"], "status": a["status"],
                             "level": a.get("level", "approval"), "result": a["result"] or ""}
                            for a in actions if a["status"] in ("pending", "failed")],
        "actions_taken": [{"id": a["id"], "action": a["action"], "summary": a["summary"], "status": a["status"],
                           "result": a["result"] or "", "by": a["decided_by"] or ""}
                          for a in actions if a["status"] not in ("pending", "failed")],
        "completeness": case["completeness"] if case else None,
        "feedback": [{"id": f["id"], "at": f["at"], "user_id": f["user_id"], "rating": f["rating"],
                      "comment": f["comment"]}
                     for f in db["feedback"].rows_where("platform = ? AND ticket_id = ?", [platform, str(ticket_id)],
                                                        order_by="id")],
    }


def _proposed(decision: dict) -> bool:
    """Deskhand proposes a reply when it sent or drafted one, or in shadow mode would have (so
    agents can rate it). An escalated ticket shows none: a person was meant to write that reply."""
    if decision.get("action") in ("send", "draft"):
        return True
    reasons = decision.get("reasons") or [""]
    return decision.get("mode") == "shadow" and reasons[0].endswith(("would have chosen send", "would have chosen draft"))


def _draft(db, before: dict, act: dict | None, decision: dict) -> dict | None:
    compose, check, action = before.get("compose"), before.get("check") or {}, decision.get("action")
    if compose is None or not _proposed(decision) or check.get("blocked"):
        return None
    text = compose.get("text")
    if text is None and act:  # records from before the compose step logged its text
        body = act.get("text") or ""
        text = body if action == "send" else between_markers(body)
    problems = {k: check.get(k) or [] for k in ("blocked", "unsupported", "removed")}
    return {"text": text or "", "citations": citations(db, compose.get("passages") or [], compose.get("cited") or {}),
            "writer": compose.get("writer", ""), "score": compose.get("score"),
            "sendable": not any(problems.values()), **problems}


def between_markers(note: str) -> str:
    if REPLY_START not in note:
        return ""
    return note.split(REPLY_START, 1)[1].rsplit(REPLY_END, 1)[0].strip()


def citations(db: sqlite_utils.Database, passage_ids: list[str], cited: dict | None = None) -> list[dict]:
    """Title and link of each cited passage; one the store no longer holds (or a product-map step)
    is named by its id. `cited`: title and link of sources the store does not hold (the customer's
    billing account), as the compose step recorded them."""
    found = {r["id"]: r for r in db.query(
        f"SELECT id, title, url FROM kb_passages WHERE id IN ({', '.join('?' * len(passage_ids))})",
        passage_ids)} if passage_ids else {}
    found.update({p: c for p, c in (cited or {}).items() if p not in found})
    return [{"title": found[p]["title"] if p in found else p, "url": found[p]["url"] if p in found else "",
             "passage_id": p} for p in passage_ids]
