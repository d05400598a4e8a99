"""Bounded actions (DESIGN §5): storing what Deskhand proposes and running it exactly once.

What may be proposed, at which level, is decided in `action_plan` (pure). Here every proposal
becomes a row in `pending_actions`, keyed by the reply key, so a retried job proposes nothing
new. `auto` rows are run by the worker right away; `approval` rows wait for `deskhand approve`
(or the helpdesk app). Caps are checked again when a refund runs: the world may have moved.

Writes without an idempotency key (a Slack post, a CRM note, a Linear comment) are run at most
once: a row found `executing` after a crash becomes `uncertain` for a person to check, rather
than being sent a second time. A refund is re-run instead, because Stripe answers the same
idempotency key with the same refund. A change of billing interval is two keyed writes (the subscription
update, then its refund), each with its own key derived from the reply key, so a re-run after a crash
between them replays the first and makes the second.
"""
from __future__ import annotations

import json
import time

import sqlite_utils

from app.core.domain import TicketEvent
from app.core.errors import DeskhandError
from app.pipeline.gather import Systems
from app.policy.action_plan import SYSTEM, Caps, Proposal  # noqa: F401  (Caps re-exported for the CLI and worker)
from app.store import jobs
from app.store.db import transaction

DAY_S = 86400
RETRY_AFTER_CRASH = {"refund", "subscription_change", "invoice_resend"}  # idempotent at the vendor: safe to run again
# approved ones: the customer hears once it is done (an `auto` one is done before the reply that says so)
TOLD = {"refund", "subscription_change", "invoice_resend"}
RESEND_EVERY_S = DAY_S  # an invoice is emailed again at most once a day, however often it is asked for


class ActionError(DeskhandError):
    pass


def connected(proposals: list[Proposal], systems: Systems) -> list[Proposal]:
    """The proposals whose system the team has connected."""
    return [p for p in proposals if getattr(systems, SYSTEM[p.action], None) is not None]


def record(db: sqlite_utils.Database, platform: str, ticket_id: str, reply_key: str,
           proposals: list[Proposal]) -> list[int]:
    """Store proposals (once per reply key and action: a retried job adds none); their ids."""
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
                "params": json.dumps(p.params), "summary": p.summary, "status": "pending", "level": p.level,
                "created_at": time.time(), "decided_at": None, "decided_by": "", "result": ""}).last_pk)
    return ids


def get(db: sqlite_utils.Database, action_id: int) -> dict | None:
    return next(db["pending_actions"].rows_where("id = ?", [action_id]), None)


def awaiting_approval(db: sqlite_utils.Database) -> list[dict]:
    """Proposed actions a person has not decided on yet, oldest first: id, action, summary (amounts
    included), ticket and when it was proposed."""
    return list(db.query("SELECT id, platform, ticket_id, action, summary, created_at FROM pending_actions"
                         " WHERE level = 'approval' AND status = 'pending' ORDER BY created_at, id"))


def refunds_in_30d(db: sqlite_utils.Database, email: str, now: float | None = None) -> int:
    """Refunds made for this email in 30 days, alone or with a change of billing interval."""
    since = (now or time.time()) - 30 * DAY_S
    rows = db.query("SELECT action, params FROM pending_actions WHERE action IN ('refund', 'subscription_change')"
                    " AND status = 'executed' AND decided_at >= ?", [since])
    return sum(1 for row in rows if (params := json.loads(row["params"])).get("email") == email
               and (row["action"] == "refund" or params.get("refund_amount")))


def run_auto(db: sqlite_utils.Database, reply_key: str, systems: Systems, caps: Caps,
             only: tuple[str, ...] | None = None) -> dict[str, str]:
    """Run this reply's `auto` actions not yet run (those named in `only`, if given).
    A failure is recorded on the row and in the answer, never raised: the ticket goes on."""
    results = {}
    rows = list(db["pending_actions"].rows_where("reply_key = ? AND level = 'auto'", [reply_key], order_by="id"))
    for row in rows:
        if only is not None and row["action"] not in only:
            continue
        if row["status"] in ("pending", "executing"):
            try:
                results[row["action"]] = _run(db, row, "deskhand", systems, caps)
            except ActionError as exc:
                results[row["action"]] = f"failed: {exc}"
        else:
            results[row["action"]] = f"{row['status']}: {row['result']}"
    return results


def approve(db: sqlite_utils.Database, action_id: int, who: str, systems: Systems, caps: Caps) -> str:
    """Run an action a person approved, exactly once; a failed one can be approved again."""
    row = get(db, action_id)
    if row is None:
        raise ActionError(f"no action {action_id}")
    if row["status"] == "uncertain":
        raise ActionError(f"action {action_id} may have run before a crash; check {row['action']} by hand "
                          f"({row['summary']}) — it is not run twice")
    return _run(db, row, who, systems, caps)


def _run(db: sqlite_utils.Database, row: dict, who: str, systems: Systems, caps: Caps) -> str:
    action_id = row["id"]
    with transaction(db):
        row = get(db, action_id)  # re-read inside the write lock: a second approver waits here
        status = row["status"]
        cut_off = status == "executing" and row["action"] not in RETRY_AFTER_CRASH
        if cut_off:
            db.execute("UPDATE pending_actions SET status = 'uncertain' WHERE id = ?", [action_id])
    if cut_off:
        raise ActionError(f"action {action_id} was cut off mid-call; not run twice (check {row['action']})")
    with transaction(db):
        row = get(db, action_id)
        status = row["status"]
        if status not in ("pending", "executing", "failed"):
            return f"action {action_id} is already {status}" + (f": {row['result']}" if row["result"] else "")
        params = json.loads(row["params"])
        _check_caps(db, row["action"], params, caps)
        db.execute("UPDATE pending_actions SET status = 'executing', decided_at = ?, decided_by = ? WHERE id = ?",
                   [time.time(), who, action_id])
    try:
        result = _execute(row["action"], params, row["reply_key"], systems)
    except Exception as exc:  # the vendor said no, or was unreachable: keep the row to try again
        with transaction(db):
            db.execute("UPDATE pending_actions SET status = 'failed', result = ? WHERE id = ?",
                       [f"{type(exc).__name__}: {exc}"[:300], action_id])
        raise ActionError(f"the {row['action']} failed and can be approved again: {exc}") from None
    with transaction(db):
        db.execute("UPDATE pending_actions SET status = 'executed', result = ? WHERE id = ?", [result, action_id])
        if row["action"] in TOLD and row["level"] == "approval":  # in the same transaction: never without its job
            jobs.insert_delivery(db, TicketEvent(row["platform"], f"action:{action_id}:done", jobs.DONE,
                                                 row["ticket_id"], comment_id=str(action_id)),
                                 f'{{"action_id": {action_id}}}'.encode())
    return result


def _check_caps(db: sqlite_utils.Database, action: str, params: dict, caps: Caps) -> None:
    if action == "invoice_resend":
        since = time.time() - RESEND_EVERY_S
        sent = [r for r in db.query("SELECT params FROM pending_actions WHERE action = 'invoice_resend' AND "
                                    "status = 'executed' AND decided_at >= ?", [since])
                if json.loads(r["params"]).get("invoice_id") == params["invoice_id"]]
        if sent:
            raise ActionError(f"invoice {params['invoice_id']} was emailed again less than a day ago")
        return
    amount = params["amount"] if action == "refund" else params.get("refund_amount", 0) \
        if action == "subscription_change" else 0
    if not amount:
        return
    if amount > caps.refund_cap:
        raise ActionError(f"refund of {amount / 100:.2f} is above the cap of {caps.refund_cap / 100:.2f}")
    done = refunds_in_30d(db, params["email"])
    if done >= caps.refunds_per_customer_30d:
        raise ActionError(f"{params['email']} already had {done} refund(s) in 30 days")


def _execute(action: str, params: dict, reply_key: str, systems: Systems) -> str:
    """One call to the system the action belongs to; its result as one line."""
    def need(system, setting: str):
        if system is None:
            raise ActionError(f"{action} needs a connected system (set {setting})")
        return system

    if action == "refund":
        refund = need(systems.billing, "stripe_api_key").refund(
            params["charge_id"], params["amount"], f"deskhand-{reply_key}-refund", reason="requested_by_customer")
        return f"refund {refund.id}: {refund.amount / 100:.2f} {refund.currency.upper()} {refund.status}"
    if action == "subscription_change":
        billing = need(systems.billing, "stripe_api_key")
        sub = billing.change_price(params["subscription_id"], params["item_id"], params["price_id"], params["starts"],
                                   f"deskhand-{reply_key}-subscription")
        done = f"subscription {sub.id} on {sub.plan} ({sub.interval}ly), billed from {params['starts'][:10]}"
        if not params.get("refund_amount"):
            return done
        refund = billing.refund(params["refund_charge_id"], params["refund_amount"],
                                f"deskhand-{reply_key}-subscription-refund", reason="requested_by_customer")
        return f"{done}; refund {refund.id}: {refund.amount / 100:.2f} {refund.currency.upper()} {refund.status}"
    if action == "invoice_resend":
        invoice = need(systems.billing, "stripe_api_key").send_invoice(params["invoice_id"],
                                                                      f"deskhand-{reply_key}-invoice")
        return f"invoice {invoice.number or invoice.id} emailed again to {params['email']}"
    if action == "crm_update":
        need(systems.crm, "hubspot_token").update_property(params["contact_id"], params["property"], params["value"])
        return f"set {params['property']} = {params['value']} on contact {params['contact_id']}"
    if action == "crm_note":
        note_id = need(systems.crm, "hubspot_token").add_note(params["contact_id"], params["body"])
        return f"note {note_id} on contact {params['contact_id']}"
    if action == "slack_alert":
        ts = need(systems.chat, "slack_token").post(params["channel"], params["text"])
        return f"posted in {params['channel']} ({ts})"
    if action == "bug_file":
        bugs = need(systems.bugs, "linear_api_key")
        if params.get("duplicate_of"):
            dup = params["duplicate_of"]
            bugs.comment(dup["id"], params["comment"])
            return f"added this report to {dup['identifier']} {dup['url']}"
        issue = bugs.create(params["title"], params["description"], tuple(params.get("labels") or ()))
        return f"linked {issue.identifier} {issue.url}"  # new, or the open one with the same title
    raise ActionError(f"{action} cannot be run by Deskhand")
