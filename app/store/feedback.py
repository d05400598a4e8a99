"""Agents' ratings of Deskhand's work, from the sidebar: the learning loop's raw material.

Each rating is stored with the category, confidence and action of the decision it rates (the
ticket's newest), so a later pass can measure, per category and confidence band, how often an
agent said "good" or "wrong category" without re-reading the audit trail.
"""
from __future__ import annotations

import time

import sqlite_utils

from app.core.errors import DeskhandError
from app.core.strict import is_id
from app.store import views as app_data

RATINGS = ("good", "wrong_category", "wrong_answer", "should_have_escalated")
MAX_COMMENT = 2000


class FeedbackError(DeskhandError, ValueError):
    pass


def parse(body) -> tuple[str, str, str]:
    """(ticket_id, rating, comment) from a request body, or FeedbackError saying what is wrong."""
    if not isinstance(body, dict):
        raise FeedbackError("body must be a JSON object with ticket_id and rating")
    unknown = set(body) - {"ticket_id", "rating", "comment", "category"}
    if unknown:
        raise FeedbackError(f"unknown field(s) {sorted(unknown)}; allowed: ticket_id, rating, comment, category")
    ticket_id = body.get("ticket_id")
    if not is_id(ticket_id):  # ASCII digits: str.isdigit() also takes "²", which no ticket has
        raise FeedbackError("ticket_id must be a ticket number")
    rating = body.get("rating")
    if rating not in RATINGS:
        raise FeedbackError(f"rating must be one of {', '.join(RATINGS)}, got {rating!r}")
    comment = body.get("comment", "")
    if comment is None:
        comment = ""
    if not isinstance(comment, str):
        raise FeedbackError("comment must be text")
    if len(comment) > MAX_COMMENT:
        raise FeedbackError(f"comment is {len(comment)} characters; at most {MAX_COMMENT}")
    return str(ticket_id), rating, comment.strip()


def parse_category(body: dict, known: dict | None) -> str:
    """The right category an agent may name with "wrong_category" ('' when none), checked against the
    current model's categories (`known`; None before any training)."""
    category = body.get("category")
    if category in (None, ""):
        return ""
    if body.get("rating") != "wrong_category":
        raise FeedbackError("category goes with the rating wrong_category only")
    if not isinstance(category, str):
        raise FeedbackError("category must be a category name")
    if known is not None and category not in known:
        raise FeedbackError(f"unknown category {category!r}; known: {', '.join(sorted(known))}")
    return category


def store(db: sqlite_utils.Database, platform: str, ticket_id: str, user_id: str, rating: str,
          comment: str, corrected_category: str = "") -> int | None:
    """The new row's id, or None when Deskhand has never decided anything on this ticket."""
    decision = app_data.newest_decision(db, platform, ticket_id)
    if decision is None:
        return None
    detail = decision["detail"]
    return db["feedback"].insert({
        "at": time.time(), "platform": platform, "ticket_id": ticket_id, "user_id": user_id,
        "rating": rating, "comment": comment, "category": detail.get("category") or "",
        "confidence": detail.get("confidence"), "action": detail.get("action") or "",
        "corrected_category": corrected_category}).last_pk
