"""The policy as kept in SQLite: seeded from a file once, then edited by admins."""
from __future__ import annotations

import json
import time
from dataclasses import asdict
from typing import TYPE_CHECKING

from app.core.domain import CategoryPolicy, Policy
from app.policy.schema import DEFAULT_POLICY, entry_from_dict
from app.store.db import transaction

if TYPE_CHECKING:
    import sqlite_utils

DEFAULT_KEY = "*"  # the row that holds `default`


def load(db: sqlite_utils.Database) -> Policy:
    rows = {row["category"]: row for row in db["policy"].rows}
    if DEFAULT_KEY not in rows:
        return DEFAULT_POLICY
    entry = lambda row: CategoryPolicy(mode=row["mode"], send_at=row["send_at"],  # noqa: E731
                                       draft_at=row["draft_at"], escalate_to=row["escalate_to"] or "",
                                       gather=tuple(json.loads(row["gather"])) if row.get("gather") is not None
                                       else CategoryPolicy().gather,
                                       actions=tuple(sorted(json.loads(row["actions"]).items()))
                                       if row.get("actions") is not None else None,
                                       account_facts=bool(row.get("account_facts")),
                                       solve_on_confirmation=bool(row.get("solve_on_confirmation")),
                                       holding_reply=bool(row.get("holding_reply")),
                                       holding_reply_text=row.get("holding_reply_text") or "",
                                       holding_reply_hours=int(row.get("holding_reply_hours") or 0))
    return Policy(default=entry(rows.pop(DEFAULT_KEY)),
                  categories=tuple(sorted((cat, entry(row)) for cat, row in rows.items())))


def replace_all(db: sqlite_utils.Database, policy: Policy) -> None:
    now = time.time()
    with transaction(db):
        db.execute("DELETE FROM policy")
        for category, entry in ((DEFAULT_KEY, policy.default), *policy.categories):
            _write(db, category, entry, now)


def seed_if_empty(db: sqlite_utils.Database, policy: Policy) -> bool:
    if db["policy"].count:
        return False
    replace_all(db, policy)
    return True


def set_entry(db: sqlite_utils.Database, category: str, values: dict) -> CategoryPolicy:
    """Change some fields of one category (or 'default'); validated like the file."""
    current = load(db)
    key = DEFAULT_KEY if category == "default" else category
    base = current.default if key == DEFAULT_KEY else current.for_category(category)
    entry = entry_from_dict(values, base, f"policy.{category}")
    if db["policy"].count == 0:
        replace_all(db, current)  # materialise the embedded defaults first
    with transaction(db):
        _write(db, key, entry, time.time())
    return entry


def _write(db, category: str, entry: CategoryPolicy, now: float) -> None:
    row = asdict(entry)
    db.execute("INSERT OR REPLACE INTO policy (category, mode, send_at, draft_at, escalate_to, gather, actions,"
               " account_facts, solve_on_confirmation, holding_reply, holding_reply_text, holding_reply_hours,"
               " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
               [category, row["mode"], row["send_at"], row["draft_at"], row["escalate_to"],
                json.dumps(list(entry.gather)),
                json.dumps(entry.action_levels()) if entry.actions is not None else None,
                int(entry.account_facts), int(entry.solve_on_confirmation), int(entry.holding_reply),
                entry.holding_reply_text, entry.holding_reply_hours, now])
