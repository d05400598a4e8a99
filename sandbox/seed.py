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
            # the tag the sample team puts on tickets a person escalated (what `deskhand replay`
            # compares Deskhand's escalations with)
            tags=([row["category"]] if row.get("category") else [])
            + (["escalated"] if row.get("expect") == "escalate" else []),
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


# What `mix=True` gives each ticket, by its position modulo 10: half still wait on their first
# message; the rest were answered by an agent or the bot, asked a question (pending), solved, or
# got a follow-up from the customer after the bot's reply (waiting again). Every 20th waiting one
# carries the opt-out tag. Scripts use it to know which tickets a backlog sweep must find.
MIX = ("waiting", "waiting", "waiting", "waiting", "waiting", "agent_replied", "bot_replied",
       "pending", "follow_up", "solved")


def generate_tickets(store: Store, texts: list[dict], n: int, age_s: float = 0.0,
                     mix: bool = False) -> list[int]:
    """Add `n` synthetic tickets for volume tests, reusing seed texts cyclically.

    Without `age_s` they are open, created now, with the customer's message only. With `age_s`
    they were created over the first half of the last `age_s` seconds, oldest first (so the
    incremental export's change order follows time, as in Zendesk). With `mix` they take the
    states in MIX, by position."""
    texts = texts or [{"subject": "Synthetic ticket", "body": "Generated for a volume test."}]
    end_users = [u["id"] for u in store.all("users") if u.get("role") == "end-user"]
    requesters = cycle(end_users or [None])
    bot = store.account.get("bot_user_id")
    agents = staff_ids(store)
    start, step = store.clock() - age_s, (age_s / 2) / max(1, n)
    ids = []
    for i, text in zip(range(n), cycle(texts)):
        rid = next(requesters) or ensure_user(store, text.get("requester"))
        when = start + i * step
        state = MIX[i % len(MIX)] if mix else "waiting"
        comments = [shapes.new_comment(store.next_id("event"), rid, body=text["body"],
                                       created_at=shapes.iso(when), channel="web")]

        def add(author, body, offset):
            comments.append(shapes.new_comment(store.next_id("event"), author, body=body,
                                               created_at=shapes.iso(when + offset), channel="web"))
        status, tags = "open", list(text.get("tags") or [])
        if state == "agent_replied" and agents:
            add(agents[0], "Thanks, I am looking into this for you.", 60)
        elif state == "bot_replied" and bot:
            add(bot, "Here is how to do that: …", 30)
        elif state == "pending" and agents:
            add(agents[0], "Could you send us a screenshot?", 60)
            status = "pending"
        elif state == "follow_up" and bot:
            add(bot, "Here is how to do that: …", 30)
            add(rid, "That did not help, the problem is still there.", 90)
        elif state == "solved" and agents:
            add(agents[0], "Glad we could help.", 60)
            status = "solved"
        if mix and state == "waiting" and i % 20 == 0:
            tags.append("deskhand_off")
        tid = store.next_id("ticket")
        ticket = shapes.new_ticket(
            tid, subject=f"{text['subject']} (#{i + 1})", description=text["body"],
            requester_id=rid, organization_id=store.users[rid].get("organization_id"),
            status=status, channel="web", created_at=shapes.iso(when),
            updated_at=comments[-1]["created_at"], tags=tags,
            custom_fields=custom_fields(store.account, None, text.get("page_url")),
            brand_id=store.account.get("brand_id"))
        store.insert_ticket(ticket, comments)
        ids.append(tid)
    return ids
