"""Loading the sample company (sandbox/company/*.json[l]) and making volume tickets.

History tickets are loaded as solved tickets with their original dates; stream
tickets are only read here and are "played" later by the Sandbox.
"""
from __future__ import annotations

import json
from itertools import cycle
from pathlib import Path

from . import shapes
from .state import Store

DEFAULT_SEED_DIR = Path(__file__).resolve().parent / "company"


def _read_jsonl(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def ensure_user(store: Store, person: dict | None, organization_id=None) -> int:
    """Requesters in history/stream are given as {id,email,name}; add unknown ones."""
    person = person or {}
    with store.lock:
        if person.get("id") is not None and int(person["id"]) in store.users:
            return int(person["id"])
        found = store.user_by_email(person.get("email") or "")
        if found:
            return found["id"]
        uid = int(person.get("id") or store.next_id("user"))
        stamp = store.now_iso()
        store.add_user({"id": uid, "name": person.get("name") or person.get("email") or f"User {uid}",
                        "email": person.get("email"), "role": "end-user",
                        "organization_id": organization_id, "created_at": stamp,
                        "updated_at": stamp, "active": True, "verified": True, "tags": [],
                        "time_zone": "UTC", "locale": "en-US", "user_fields": {}})
        return uid


def custom_fields(account: dict, category=None, page_url=None) -> list[dict]:
    return [{"id": account.get("category_field_id", 360001), "value": category},
            {"id": account.get("page_url_field_id", 360002), "value": page_url}]


def staff_ids(store: Store) -> list[int]:
    """Human agents (the bot excluded), used as authors of historical replies."""
    bot = store.account.get("bot_user_id")
    ids = [u["id"] for u in store.all("users") if u.get("role") in shapes.STAFF_ROLES
           and u["id"] != bot]
    return ids or [u["id"] for u in store.all("users") if u.get("role") in shapes.STAFF_ROLES]


def load_history(store: Store, rows: list[dict]) -> None:
    agents = cycle(staff_ids(store) or [None])
    # Insert in solve order so the incremental export's change order follows time.
    for row in sorted(rows, key=lambda r: (r.get("solved_at") or "", r["id"])):
        requester_id = ensure_user(store, row.get("requester"), row.get("organization_id"))
        agent_id = next(agents) or requester_id
        created, solved = row["created_at"], row.get("solved_at") or row["created_at"]
        ticket = shapes.new_ticket(
            int(row["id"]), subject=row["subject"], description=row["body"],
            requester_id=requester_id, organization_id=row.get("organization_id"),
            status="solved", channel="web", created_at=created, updated_at=solved,
            tags=[row["category"]] if row.get("category") else [],
            custom_fields=custom_fields(store.account, row.get("category"), row.get("page_url")),
            assignee_id=agent_id if agent_id != requester_id else None,
            brand_id=store.account.get("brand_id"))
        comments = [shapes.new_comment(store.next_id("event"), requester_id, body=row["body"],
                                       created_at=created, channel="web")]
        if row.get("agent_reply"):
            comments.append(shapes.new_comment(store.next_id("event"), agent_id,
                                               body=row["agent_reply"], created_at=solved,
                                               channel="web"))
        store.insert_ticket(ticket, comments)


def load_seed(store: Store, seed_dir=None) -> dict:
    """Fill `store` from a seed directory; returns {"stream": [...], "history": [...]}."""
    base = Path(seed_dir) if seed_dir else DEFAULT_SEED_DIR
    account_path = base / "account.json"
    account = json.loads(account_path.read_text(encoding="utf-8")) if account_path.exists() else {}
    store.account.update({k: v for k, v in account.items()
                          if k not in ("users", "organizations", "groups")})
    for org in account.get("organizations", []):
        store.add_organization(org)
    for group in account.get("groups", []):
        store.add_group(group)
    for user in account.get("users", []):
        store.add_user(user)
    articles_path = base / "articles.json"
    if articles_path.exists():
        for article in json.loads(articles_path.read_text(encoding="utf-8")):
            store.add_article(article)
    history = _read_jsonl(base / "history.jsonl")
    stream = _read_jsonl(base / "stream.jsonl")
    load_history(store, history)
    # Stream ids are kept for playing; API-created tickets must never take them.
    store.reserve_ticket_ids(max([int(s["id"]) for s in stream] or [0]))
    return {"stream": stream, "history": history}


def generate_tickets(store: Store, texts: list[dict], n: int) -> list[int]:
    """Add `n` synthetic open tickets for volume tests, reusing seed texts cyclically."""
    texts = texts or [{"subject": "Synthetic ticket", "body": "Generated for a volume test."}]
    end_users = [u["id"] for u in store.all("users") if u.get("role") == "end-user"]
    requesters = cycle(end_users or [None])
    ids = []
    for i, text in zip(range(n), cycle(texts)):
        rid = next(requesters) or ensure_user(store, text.get("requester"))
        when = store.now_iso()
        tid = store.next_id("ticket")
        ticket = shapes.new_ticket(
            tid, subject=f"{text['subject']} (#{i + 1})", description=text["body"],
            requester_id=rid, organization_id=store.users[rid].get("organization_id"),
            status="open", channel="web", created_at=when,
            tags=list(text.get("tags") or []),
            custom_fields=custom_fields(store.account, None, text.get("page_url")),
            brand_id=store.account.get("brand_id"))
        comment = shapes.new_comment(store.next_id("event"), rid, body=text["body"],
                                     created_at=when, channel="web")
        store.insert_ticket(ticket, [comment])
        ids.append(tid)
    return ids
