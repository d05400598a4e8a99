"""The training history the team adds to: a ticket's message with the category a person gave it.

Sources: an agent changed the category in the helpdesk (`category_changed`), a ticket was solved
under its category (`solved`), or an agent said "wrong category" in the sidebar and named the right
one (`feedback`). One row per ticket; the newest word on it wins.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass

from app.core.errors import DeskhandError
from app.outcomes import store as outcomes

SOURCES = ("category_changed", "solved", "feedback")
MAX_TEXT = 20000


class CorrectionError(DeskhandError, ValueError):
    pass


@dataclass(frozen=True)
class Taught:
    platform: str
    ticket_id: str
    text: str
    category: str
    source: str
    at: float


def add_correction(db, platform: str, ticket_id: str, text: str, category: str, source: str,
                   at: float | None = None) -> None:
    """Record that a person put this ticket in `category`; the next retrain learns from it."""
    if source not in SOURCES:
        raise CorrectionError(f"source must be one of {', '.join(SOURCES)}, got {source!r}")
    if not isinstance(category, str) or not category.strip():
        raise CorrectionError("category must be a category name")
    if not isinstance(text, str) or not text.strip():
        raise CorrectionError(f"ticket {ticket_id}: no message to learn from")
    db.execute("INSERT INTO training_history (platform, ticket_id, text, category, source, at) VALUES (?, ?, ?, ?, ?, ?)"
               " ON CONFLICT(platform, ticket_id) DO UPDATE SET text = excluded.text, category = excluded.category,"
               " source = excluded.source, at = excluded.at",
               [platform, str(ticket_id), text.strip()[:MAX_TEXT], category.strip(), source,
                time.time() if at is None else at])


def taught(db) -> list[Taught]:
    """Every row, oldest first."""
    return [Taught(*row) for row in db.execute(
        "SELECT platform, ticket_id, text, category, source, at FROM training_history ORDER BY at, rowid")]


def recorded_message(db, platform: str, ticket_id: str) -> str:
    """The message Deskhand last classified on this ticket, as the audit keeps it (secrets redacted);
    '' when none was recorded."""
    row = db.execute("SELECT detail FROM audit WHERE platform = ? AND ticket_id = ? AND step = 'triage'"
                     " ORDER BY id DESC LIMIT 1", [platform, str(ticket_id)]).fetchone()
    return json.loads(row[0]).get("message", "") if row else ""


def learn_from_feedback(db, platform: str, ticket_id: str, category: str) -> bool:
    """An agent named the right category in the sidebar: it joins the history with the message
    Deskhand classified. False when no message was recorded (a ticket triaged before messages were
    kept); the feedback row still holds the category."""
    text = recorded_message(db, platform, ticket_id)
    if not text:
        return False
    add_correction(db, platform, ticket_id, text, category, "feedback")
    return True


def learn_from_outcomes(db, since: float | None = None) -> int:
    """What the helpdesk showed people decided (app/outcomes), into the history: an agent's change of
    the category field, and a ticket a person handled (replied in public, or sent or rewrote the draft)
    and solved under its category. A ticket Deskhand answered and closed alone is left out: its label
    is the model's own, and learning it would teach the model what it already thinks. Rows keep the
    outcome's time, so running this again changes nothing; a solve never replaces a category a person
    named. The number of tickets written."""
    handled = {"human_replied", "draft_sent_as_is", "draft_edited", "draft_discarded"}
    by_ticket: dict[tuple[str, str], list[dict]] = {}
    for row in outcomes.rows(db, since, ("category_changed", "solved", *handled)):
        by_ticket.setdefault((row["platform"], row["ticket_id"]), []).append(row)
    written = 0
    for (platform, ticket_id), rows in by_ticket.items():
        changed = [r for r in rows if r["kind"] == "category_changed" and r["detail"].get("to")]
        solved = [r for r in rows if r["kind"] == "solved" and r["category"]]
        if changed:
            category, source, at = changed[-1]["detail"]["to"], "category_changed", changed[-1]["at"]
        elif solved and any(r["kind"] in handled for r in rows):
            category, source, at = solved[-1]["category"], "solved", solved[-1]["at"]
        else:
            continue
        held = db.execute("SELECT source, at FROM training_history WHERE platform = ? AND ticket_id = ?",
                          [platform, str(ticket_id)]).fetchone()
        if held and (held[1] >= at or (source == "solved" and held[0] != "solved")):
            continue  # as new a word is kept already, or a person named the category: a solve does not undo it
        text = recorded_message(db, platform, ticket_id)
        if text:
            add_correction(db, platform, ticket_id, text, category, source, at)
            written += 1
    return written
