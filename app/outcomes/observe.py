"""Read a ticket Deskhand acted on and record what happened since (the glue the worker, the
pipeline and the sweep call): a snapshot, the decisions from the audit trail, derive.observe, the
store. A category whose new outcomes are bad is checked for demotion straight away
(ladder.demote_if_bad)."""
from __future__ import annotations

import time

import sqlite_utils

from app.outcomes import derive, ladder, measures, store
from connectors.helpdesk import Helpdesk
from connectors.types import Ticket

BAD = {"reopened", "not_helped", "category_changed", "human_replied", "draft_edited", "draft_discarded"}
INTERCOM_CATEGORY = "deskhand_category"  # connectors/intercom.py CATEGORY: the attribute agents edit


def category_field(platform: str, zendesk_field_id: str) -> str:
    """Where people keep a ticket's category: Zendesk's category field; on Intercom the
    conversation attribute Deskhand labels (which a teammate changes to correct it)."""
    return INTERCOM_CATEGORY if platform == "intercom" else zendesk_field_id


def ticket(db: sqlite_utils.Database, helpdesk: Helpdesk, ticket_id: str, field_id: str = "", alert=None,
           now: float | None = None) -> list[dict]:
    """Read one ticket and record what is new; the rows recorded."""
    if not store.decided(db, helpdesk.platform, ticket_id):
        return []  # no helpdesk call for a ticket Deskhand never wrote on
    return snapshot(db, helpdesk.snapshot(str(ticket_id)).ticket, field_id, alert, now)


def snapshot(db: sqlite_utils.Database, snap: Ticket, field_id: str = "", alert=None,
             now: float | None = None) -> list[dict]:
    """Record what this fresh read of a ticket shows (the pipeline hands over the read it made
    anyway for a customer's reply: no second helpdesk call); the rows recorded."""
    decided = store.decided(db, snap.platform, snap.id)
    if not decided:
        return []
    now = time.time() if now is None else now
    value = dict(snap.custom_fields).get(category_field(snap.platform, field_id))
    found = derive.observe(snap, decided, store.known(db, snap.platform, snap.id), now,
                           str(value) if value not in (None, "") else "")
    added = store.record(db, snap.platform, snap.id, found, now)
    worse = {r["category"] for r in added if r["kind"] in BAD and r["category"]}
    if worse:
        ladder.demote_if_bad(db, worse, alert, now)
    return added


def sweep(db: sqlite_utils.Database, helpdesk: Helpdesk, field_id: str = "", days: float = 14, alert=None,
          now: float | None = None) -> dict:
    """Observe the tickets Deskhand acted on in the last `days` whose outcome is still open: catches
    what no event announced (an Intercom category edit, a rating without a trigger, a lost delivery).
    A ticket solved longer ago than the reopen window, and not reopened since, is settled and not
    read again. {tickets, recorded, errors}"""
    now = time.time() if now is None else now
    ids = [r[0] for r in db.execute(
        "SELECT DISTINCT a.ticket_id FROM audit a WHERE a.platform = :p AND a.step = 'act' AND a.at >= :since"
        " AND NOT EXISTS (SELECT 1 FROM outcomes o WHERE o.platform = a.platform AND o.ticket_id = a.ticket_id"
        "   AND o.kind = 'solved' AND o.at < :settled AND NOT EXISTS (SELECT 1 FROM outcomes r"
        "   WHERE r.platform = o.platform AND r.ticket_id = o.ticket_id AND r.kind = 'reopened' AND r.at > o.at))"
        " ORDER BY a.ticket_id",
        {"p": helpdesk.platform, "since": now - days * 86400, "settled": now - measures.WINDOW_DAYS * 86400})]
    recorded, errors = 0, []
    for tid in ids:
        try:
            recorded += len(ticket(db, helpdesk, tid, field_id, alert, now))
        except Exception as exc:  # one unreadable ticket does not stop the sweep; it is named
            errors.append(f"{tid}: {exc.__class__.__name__}: {exc}")
    return {"tickets": len(ids), "recorded": recorded, "errors": errors}
