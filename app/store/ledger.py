"""The reply ledger: at most one helpdesk write per reply key, ever (DESIGN §7.3).

A reply key names one response to one customer message: (platform, ticket, trigger
comment, kind). The row is written before the remote call with the exact text, moved
to `sending` just before it, and to `done` after. A row found in `sending` means a
worker died around the remote write: the caller must read the ticket and look for
the marker tag (written in the same update as the comment) before writing again.
"""
from __future__ import annotations

import hashlib
import time

import sqlite_utils

from app.store.db import transaction


def reply_key(platform: str, ticket_id: str, comment_id: str, kind: str = "respond") -> str:
    return hashlib.sha256(f"{platform}:{ticket_id}:{comment_id}:{kind}".encode()).hexdigest()[:20]


def marker_tag(key: str) -> str:
    return f"deskhand_{key[:12]}"


def get(db: sqlite_utils.Database, key: str) -> dict | None:
    rows = list(db["ledger"].rows_where("reply_key = ?", [key]))
    return rows[0] if rows else None


def plan(db: sqlite_utils.Database, key: str, platform: str, ticket_id: str, comment_id: str,
         action: str, body: str) -> dict:
    """Record the intended write, or return the row already planned for this key."""
    now = time.time()
    with transaction(db):
        db.execute("INSERT OR IGNORE INTO ledger (reply_key, platform, ticket_id, comment_id, action,"
                   " marker, body, state, remote_id, created_at, updated_at)"
                   " VALUES (?, ?, ?, ?, ?, ?, ?, 'planned', '', ?, ?)",
                   [key, platform, ticket_id, comment_id, action, marker_tag(key), body, now, now])
    return get(db, key)


def mark(db: sqlite_utils.Database, key: str, state: str, remote_id: str = "") -> None:
    db.execute("UPDATE ledger SET state = ?, remote_id = ?, updated_at = ? WHERE reply_key = ?",
               [state, remote_id, time.time(), key])

