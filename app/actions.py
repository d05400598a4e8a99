"""Bounded actions (DESIGN §5): what Deskhand may do in other systems, and the limits it may never cross.

Every action has a ceiling written here, in code: a refund can at most be proposed for approval,
never run on its own; identity, email and ownership changes are never done at all. The policy
can lower a level for a category, never raise it above the ceiling. Amounts come from the
billing system's records, never from ticket text, and are capped (settings `refund_cap`,
`refunds_per_customer_30d`) here and again when an approval executes.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass

import sqlite_utils

from connectors.roles import Billing

from .db import transaction
from .domain import Evidence

LEVELS = ("never", "approval", "auto")  # in rising order of autonomy
CEILING = {
    "refund": "approval",
    "change_email": "never", "change_owner": "never", "reset_2fa": "never",
}
# Which categories may propose which actions, and at what level (never above the ceiling).
DEFAULT_ACTIONS = {"refund_request": {"refund": "approval"}, "billing": {"refund": "approval"}}
DAY_S = 86400


class ActionError(Exception):
    pass


@dataclass(frozen=True)
class Caps:
    refund_cap: int  # minor units, per refund
    refunds_per_customer_30d: int


@dataclass(frozen=True)
class Proposal:
    action: str
    params: dict
    summary: str


def level(action: str, category: str | None, configured: dict | None = None) -> str:
    """The level an action has for a category: the policy's, capped by the ceiling."""
    wanted = (configured if configured is not None else DEFAULT_ACTIONS).get(category or "", {}).get(action, "never")
    ceiling = CEILING.get(action, "never")
    return min(wanted, ceiling, key=LEVELS.index)


def propose(category: str | None, evidence: Evidence, email: str, caps: Caps, refunds_30d: int,
            configured: dict | None = None) -> tuple[list[Proposal], list[str]]:
    """Refunds the evidence supports, within the caps; and why others were not proposed. Pure."""
    if level("refund", category, configured) == "never":
        return [], []
    charges = [f for f in evidence.of("charge") if f.ref and f.amount > 0]
    if not charges:
        return [], ["no refundable charge found in billing"]
    newest = max(charges, key=lambda f: f.at)
    if refunds_30d >= caps.refunds_per_customer_30d:
        return [], [f"{email} already had {refunds_30d} refund(s) in 30 days (limit {caps.refunds_per_customer_30d})"]
    if newest.amount > caps.refund_cap:
        return [], [f"refund of {newest.amount / 100:.2f} {newest.currency.upper()} on {newest.ref} is above "
                    f"the cap of {caps.refund_cap / 100:.2f}; a person decides"]
    params = {"charge_id": newest.ref, "amount": newest.amount, "currency": newest.currency, "email": email}
    return [Proposal("refund", params, f"refund {newest.amount / 100:.2f} {newest.currency.upper()} "
                                       f"of charge {newest.ref} to {email}")], []


def record(db: sqlite_utils.Database, platform: str, ticket_id: str, reply_key: str,
           proposals: list[Proposal]) -> list[int]:
    """Store proposals awaiting approval (once per reply key: a retried job adds none)."""
    ids = []
    with transaction(db):
        for p in proposals:
            existing = db.execute("SELECT id FROM pending_actions WHERE reply_key = ? AND action = ?",
                                  [reply_key, p.action]).fetchone()
            if existing:
                ids.append(existing[0])
                continue
            ids.append(db["pending_actions"].insert({
                "platform": platform, "ticket_id": ticket_id, "reply_key": reply_key, "action": p.action,
                "params": json.dumps(p.params), "summary": p.summary, "status": "pending",
                "created_at": time.time(), "decided_at": None, "decided_by": "", "result": ""}).last_pk)
    return ids


def refunds_in_30d(db: sqlite_utils.Database, email: str, now: float | None = None) -> int:
    since = (now or time.time()) - 30 * DAY_S
    return sum(1 for row in db.query(
        "SELECT params FROM pending_actions WHERE action = 'refund' AND status = 'executed' AND decided_at >= ?",
        [since]) if json.loads(row["params"]).get("email") == email)


def approve(db: sqlite_utils.Database, action_id: int, who: str, billing: Billing | None, caps: Caps) -> str:
    """Run an approved action exactly once. Caps are checked again: the world may have moved."""
    with transaction(db):
        rows = list(db["pending_actions"].rows_where("id = ?", [action_id]))
        if not rows:
            raise ActionError(f"no action {action_id}")
        row = rows[0]
        # 'executing' means an earlier approval died mid-call: running it again is safe, because the
        # billing system answers the same idempotency key with the same refund.
        if row["status"] not in ("pending", "executing"):
            return f"action {action_id} is already {row['status']}" + (f": {row['result']}" if row["result"] else "")
        params = json.loads(row["params"])
        if row["action"] != "refund":
            raise ActionError(f"action {action_id} ({row['action']}) cannot be run by Deskhand")
        if billing is None:
            raise ActionError("no billing system is connected (set stripe_api_key)")
        if params["amount"] > caps.refund_cap:
            raise ActionError(f"refund of {params['amount'] / 100:.2f} is above the cap of {caps.refund_cap / 100:.2f}")
        done = refunds_in_30d(db, params["email"])
        if done >= caps.refunds_per_customer_30d:
            raise ActionError(f"{params['email']} already had {done} refund(s) in 30 days")
        db.execute("UPDATE pending_actions SET status = 'executing', decided_at = ?, decided_by = ? WHERE id = ?",
                   [time.time(), who, action_id])
    try:  # the key makes a retry after a crash here refund nothing twice
        refund = billing.refund(params["charge_id"], params["amount"], f"deskhand-{row['reply_key']}-refund",
                                reason="requested_by_customer")
    except Exception as exc:
        with transaction(db):
            db.execute("UPDATE pending_actions SET status = 'pending', result = ? WHERE id = ?",
                       [f"last attempt failed: {exc}"[:300], action_id])
        raise ActionError(f"the refund failed and can be approved again: {exc}") from None
    result = f"refund {refund.id}: {refund.amount / 100:.2f} {refund.currency.upper()} {refund.status}"
    with transaction(db):
        db.execute("UPDATE pending_actions SET status = 'executed', result = ? WHERE id = ?", [result, action_id])
    return result
