"""Recurring errors → one Linear issue each, kept up to date, and the issue's link on every ticket.

However many runs (a daily digest, `deskhand insights --file-bugs`, two workers) and however many
tickets arrive, one error has one issue: the row in `insight_errors` is planned before the create
call, an error is matched to its row by any shared ticket or error code (its tickets change as the
window slides), and the issue is only commented on when the count grew. Each linked ticket gets one
internal note with the link, through the reply ledger (app/store/ledger.py) like every helpdesk
write: a crash between the write and the record finds the note's marker tag on the ticket."""
from __future__ import annotations

import json
import time

import sqlite_utils

from app.insights.records import iso
from app.insights.recurring import RecurringError
from app.store import audit, ledger
from app.store.db import transaction
from connectors.types import TicketUpdate

LABELS = ("Bug", "Customer reported")
NOTE_KIND = "insight_bug_link"


def sync(db: sqlite_utils.Database, errors: list[RecurringError], bugs, helpdesk, plans: dict[str, str],
         links: dict[str, str], platform: str) -> list[dict]:
    """File or update the issue of each error, then note its link on the tickets; what was done.
    `plans`: account id -> plan (for 'affected plans'); `links`: ticket id -> helpdesk link."""
    done = []
    for error in errors:
        row = _match(db, error)
        if row is None or row["state"] == "planned":
            row = _file(db, error, bugs, plans, links, row)
            done.append({"error": error.key, "did": "filed", "issue": row["identifier"], "count": row["reported"]})
        elif len(set(error.tickets) | set(json.loads(row["tickets"]))) > row["reported"]:
            row = _update(db, row, error, bugs, plans, links)
            done.append({"error": error.key, "did": "updated", "issue": row["identifier"], "count": row["reported"]})
        notes = _note_tickets(db, row, error, helpdesk, platform)
        if notes:
            done.append({"error": row["key"], "did": "noted", "issue": row["identifier"], "tickets": notes})
    return done


def issue_for(db, error: RecurringError) -> str:
    """The Linear issue (identifier and link) a recurring error is filed as; "" if not filed."""
    row = _match(db, error)
    return f"{row['identifier']} {row['url']}" if row and row["state"] == "filed" else ""


def _match(db, error: RecurringError) -> dict | None:
    mine, codes = set(error.tickets), set(error.codes)
    for row in db["insight_errors"].rows:
        if mine & set(json.loads(row["tickets"])) or codes & set(json.loads(row["codes"])) or row["key"] == error.key:
            return row
    return None


def _file(db, error: RecurringError, bugs, plans, links, planned: dict | None) -> dict:
    now = time.time()
    if planned is None:
        title = _title(error)
        with transaction(db):
            db.execute("INSERT OR IGNORE INTO insight_errors (key, title, codes, state, issue_id, identifier, url,"
                       " reported, tickets, first_seen, last_seen, created_at, updated_at)"
                       " VALUES (?, ?, ?, 'planned', '', '', '', 0, '[]', ?, ?, ?, ?)",
                       [error.key, title, json.dumps(list(error.codes)), error.first_seen, error.last_seen, now, now])
        planned = db["insight_errors"].get(error.key)
        if planned["state"] != "planned":  # another process filed it meanwhile
            return planned
    # Linear's create returns the open issue with this exact title when there is one: a crash after
    # the create and before the record below files nothing twice.
    issue = bugs.create(planned["title"], _description(error, plans, links), LABELS)
    tickets = sorted(set(error.tickets), key=_order)
    db["insight_errors"].update(planned["key"], {
        "state": "filed", "issue_id": issue.id, "identifier": issue.identifier, "url": issue.url,
        "reported": len(tickets), "tickets": json.dumps(tickets), "codes": json.dumps(list(error.codes)),
        "first_seen": error.first_seen, "last_seen": error.last_seen, "updated_at": time.time()})
    audit.record(db, "insight", platform="linear", ticket_id=issue.identifier,
                 summary=f"filed {issue.identifier} for a recurring error: {len(tickets)} tickets",
                 error=planned["key"], tickets=tickets)
    return db["insight_errors"].get(planned["key"])


def _update(db, row: dict, error: RecurringError, bugs, plans, links) -> dict:
    known = json.loads(row["tickets"])
    new = sorted(set(error.tickets) - set(known), key=_order)
    tickets = sorted(set(known) | set(error.tickets), key=_order)
    first, last = min(row["first_seen"], error.first_seen), max(row["last_seen"], error.last_seen)
    affected = ", ".join(sorted({plans.get(a, "") or "unknown" for a in error.accounts})) or "unknown"
    body = (f"**Now {len(tickets)} customer reports** (was {row['reported']}); last seen {iso(last)}.\n"
            f"Affected plans: {affected}\n\nNew tickets:\n" + "\n".join(f"- {_ticket(t, links)}" for t in new))
    bugs.comment(row["issue_id"], body)
    db["insight_errors"].update(row["key"], {"reported": len(tickets), "tickets": json.dumps(tickets),
                                             "first_seen": first, "last_seen": last, "updated_at": time.time()})
    audit.record(db, "insight", platform="linear", ticket_id=row["identifier"],
                 summary=f"{row['identifier']}: now {len(tickets)} tickets", error=row["key"], new=new)
    return db["insight_errors"].get(row["key"])


def _note_tickets(db, row: dict, error: RecurringError, helpdesk, platform: str) -> list[str]:
    """The issue's link as an internal note on each of its tickets, once per ticket ever."""
    written = []
    for ticket_id in error.tickets:
        key = ledger.reply_key(platform, ticket_id, f"insight:{row['key']}", NOTE_KIND)
        body = (f"Deskhand: this ticket is one of {row['reported']} reports of the same error, tracked in "
                f"{row['identifier']}: {row['url']}")
        planned = ledger.plan(db, key, platform, ticket_id, f"insight:{row['key']}", "note",
                              json.dumps({"body": body}))
        if planned["state"] == "done":
            continue
        marker = ledger.marker_tag(key)
        if planned["state"] == "sending" and marker in helpdesk.snapshot(ticket_id).ticket.tags:
            ledger.mark(db, key, "done", "found-on-ticket")  # written before a crash
            continue
        ledger.mark(db, key, "sending")
        remote = helpdesk.write(ticket_id, TicketUpdate(body=json.loads(planned["body"])["body"], public=False,
                                                        add_tags=(marker,)))
        ledger.mark(db, key, "done", remote)
        audit.record(db, "insight", platform=platform, ticket_id=ticket_id,
                     summary=f"internal note: linked to {row['identifier']}", marker=marker, issue=row["url"])
        written.append(ticket_id)
    return written


def _title(error: RecurringError) -> str:
    words = error.title.split(" — ", 1)[-1]
    return (f"Recurring error {error.codes[0]} ({words})" if error.codes else f"Recurring error: {words}")[:120]


def _description(error: RecurringError, plans: dict[str, str], links: dict[str, str]) -> str:
    affected = ", ".join(sorted({plans.get(a, "") or "unknown" for a in error.accounts})) or "unknown"
    rows = [f"**Customer reports:** {len(error.tickets)} (from {len(error.accounts)} accounts)",
            f"**Error codes quoted:** {', '.join(error.codes) or 'none'}",
            f"**Affected plans:** {affected}",
            f"**First seen:** {iso(error.first_seen)}", f"**Last seen:** {iso(error.last_seen)}",
            "", "**Tickets:**", *(f"- {_ticket(t, links)}" for t in error.tickets),
            "", "Filed by Deskhand's insights; new reports are added here as comments."]
    return "\n".join(rows)


def _ticket(ticket_id: str, links: dict[str, str]) -> str:
    return f"[#{ticket_id}]({links[ticket_id]})" if links.get(ticket_id) else f"#{ticket_id}"


def _order(ticket_id: str):
    return (0, int(ticket_id), "") if ticket_id.isdigit() else (1, 0, ticket_id)
