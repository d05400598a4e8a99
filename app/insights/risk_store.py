"""Accounts at risk: kept for the case file and the sidebar, and written to the CRM.

The CRM write is a bounded action with a level (`never` or `auto`: the property holds Deskhand's
own score, so writing it changes nothing a person entered) and an audit entry per write. It is a
PATCH of one property, idempotent at the vendor: a run that dies after the write and before the
record writes the same value again, which changes nothing. An unchanged score is not written."""
from __future__ import annotations

import json
import time

import sqlite_utils

from app.insights.churn import Risk, property_value
from app.store import audit
from app.store.risks import for_account

PROPERTY = "deskhand_churn_score"
LEVELS = ("never", "auto")


def keep(db: sqlite_utils.Database, risks: list[Risk]) -> None:
    """Replace the stored accounts at risk with these (an account no longer at risk drops out)."""
    now = time.time()
    old = {row["account"]: row for row in db["insight_risks"].rows}
    db.execute("DELETE FROM insight_risks")
    for r in risks:
        db["insight_risks"].insert({
            "account": r.account, "name": r.name, "plan": r.plan, "arr": r.arr, "score": r.score, "level": r.level,
            "reasons": json.dumps(list(r.reasons)), "tickets": json.dumps(list(r.tickets)),
            "people": json.dumps(list(r.people)), "at": now,
            "crm_value": (old.get(r.account) or {}).get("crm_value", "")})


def write_crm(db: sqlite_utils.Database, risks: list[Risk], crm, emails: dict[str, list[str]],
              level: str = "auto") -> list[dict]:
    """Set PROPERTY on the CRM contacts of each account at risk (`emails`: account -> its requesters)."""
    if level not in LEVELS:
        raise ValueError(f"the CRM write level must be one of {', '.join(LEVELS)}, got {level!r}")
    done = []
    for r in risks:
        value = property_value(r)
        row = for_account(db, r.account)
        if level == "never" or (row and row["crm_value"] == value):
            continue
        written = []
        for email in emails.get(r.account, []):
            contact = crm.contact(email)
            if contact is None:
                continue
            crm.update_property(contact.contact_id, PROPERTY, value)
            written.append(contact.contact_id)
            audit.record(db, "insight", platform=crm.name, ticket_id=f"contact:{contact.contact_id}",
                         summary=f"set {PROPERTY} = {r.score:.2f} for {r.name}", action="crm_update",
                         level=level, account=r.account, value=value)
        if written and row:
            db["insight_risks"].update(r.account, {"crm_value": value})
        done.append({"account": r.account, "contacts": written})
    return done
