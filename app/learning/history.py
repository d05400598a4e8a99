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
