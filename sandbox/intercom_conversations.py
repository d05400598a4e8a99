"""The conversation side of the Intercom sandbox: conversations with their parts, contacts,
companies, admins, teams and tags, in the shapes of the official description
(shared/specs/intercom-api-2.16.yaml; tests/connector/test_intercom_helpdesk.py validates every
request and response against it).

Routes (the subset Deskhand uses): GET /me, GET /conversations/{id}, POST /conversations/{id}/reply,
PUT /conversations/{id} (custom attributes), POST /conversations/{id}/parts (assignment, close, open,
snoozed),
POST /conversations/search (contact_ids, state, open, waiting_since, created_at, updated_at; AND/OR;
paged with starting_after), GET and POST /conversations/attributes, POST /tags,
GET /tags, POST /conversations/{id}/tags, GET /teams, GET /contacts/{id},
GET /contacts/{id}/companies. As in Intercom, a conversation attribute must exist in the
workspace before a conversation can be given a value for it, and `waiting_since` is set when the
customer writes and cleared when a teammate (an admin) replies. Every change goes through
`ConversationStore` under its lock and queues a notification for `on_change` (the signed webhook
sender), never sent inside a request.
"""
from __future__ import annotations

import itertools
import threading
import time

from flask import Flask, jsonify, request

CUSTOMER = ("user", "lead", "contact")


class ConversationStore:
    def __init__(self, workspace_id: str, bot: dict, admins: list[dict], teams: list[dict]):
        self.workspace_id = workspace_id
        self.bot = bot  # {"id": "…", "name", "email"}: the admin the token belongs to
        self.admins = {a["id"]: a for a in [bot, *admins]}
        self.teams = {t["id"]: t for t in teams}
        self.contacts: dict[str, dict] = {}
        self.companies: dict[str, dict] = {}
        self.conversations: dict[str, dict] = {}
        self.tags: dict[str, dict] = {}
        self.attributes: dict[str, dict] = {}  # conversation attributes by name
        self.lock = threading.RLock()
        self._ids = itertools.count(1000)
        self.on_change = lambda topic, conversation: None

    def next_id(self) -> str:
        return str(next(self._ids))

    # -- changes (API and Python alike) ------------------------------------------------------------

    def start(self, contact_id: str, body: str, url: str = "", title: str = "",
              conversation_id: str = "") -> dict:
        contact, now = self.contacts[contact_id], int(time.time())
        with self.lock:
            cid = conversation_id or self.next_id()
            self.conversations[cid] = {
                "id": cid, "title": title, "created_at": now, "updated_at": now, "state": "open",
                "admin_assignee_id": None, "team_assignee_id": None, "tags": [], "parts": [],
                "contact_id": contact_id, "custom_attributes": {}, "waiting_since": now,
                "source": {"type": "conversation", "id": self.next_id(), "delivered_as": "customer_initiated",
                           "subject": "", "body": body, "url": url or None,
                           "author": self._author(contact), "attachments": [], "redacted": False}}
        self.on_change("conversation.user.created", self.conversations[cid])
        return self.conversations[cid]

    def add_part(self, cid: str, part_type: str, author: dict, body: str | None = None,
                 **extra) -> dict:
        with self.lock:
            conv = self.conversations[cid]
            now = int(time.time())
            part = {"type": "conversation_part", "id": self.next_id(), "part_type": part_type,
                    "body": body, "created_at": now, "updated_at": now, "notified_at": now,
                    "assigned_to": None, "author": author, "attachments": [], "external_id": None,
                    "redacted": False, **extra}
            conv["parts"].append(part)
            conv["updated_at"] = now
            if part_type == "comment" and author["type"] in CUSTOMER:
                conv["waiting_since"] = conv.get("waiting_since") or now  # the customer waits from here
                conv["state"] = "open"  # a customer's reply reopens the conversation (snoozed too)
                conv["snoozed_until"] = None
            elif part_type == "comment" and author["type"] == "admin":
                conv["waiting_since"] = None  # a teammate answered: nobody waits
        topic = ("conversation.user.replied" if author["type"] in CUSTOMER and part_type == "comment"
                 else "conversation.admin.replied" if part_type == "comment"
                 else "conversation.admin.noted" if part_type == "note"
                 else "conversation.admin.closed" if part_type == "close"
                 else "conversation.admin.opened" if part_type == "open" else "")
        if topic:
            self.on_change(topic, conv, part)
        return part

    def rate(self, cid: str, rating: int, remark: str = "") -> dict:
        """The contact rates the conversation (1–5), as Intercom asks after a close."""
        with self.lock:
            conv, now = self.conversations[cid], int(time.time())
            teammate = conv.get("admin_assignee_id") or next(iter(self.admins))
            conv["conversation_rating"] = {"rating": int(rating), "remark": remark or None, "created_at": now,
                                           "updated_at": now, "contact": {"type": "contact", "id": conv["contact_id"]},
                                           "teammate": {"type": "admin", "id": str(teammate)}}
            conv["updated_at"] = now
        self.on_change("conversation.rating.added", conv)
        return conv["conversation_rating"]

    def tag(self, cid: str, tag_id: str, admin_id: str) -> dict:
        with self.lock:
            conv, tag = self.conversations[cid], self.tags[tag_id]
            if tag_id not in {t["id"] for t in conv["tags"]}:
                conv["tags"].append({"type": "tag", "id": tag_id, "name": tag["name"],
                                     "applied_at": int(time.time()),
                                     "applied_by": {"type": "admin", "id": str(admin_id)}})
            return tag

    def tag_named(self, name: str) -> dict:
        with self.lock:
            found = next((t for t in self.tags.values() if t["name"] == name), None)
            if found is None:
                found = {"type": "tag", "id": self.next_id(), "name": name}
                self.tags[found["id"]] = found
            return found

    def define_attribute(self, name: str, data_type: str, description: str, admin_id: str) -> dict:
        with self.lock:
            now = int(time.time())
            attribute = {"type": "conversation_attribute", "id": int(self.next_id()), "name": name,
                         "description": description, "data_type": data_type, "required": False,
                         "visible_to_team_ids": [], "archived": False, "created_at": now, "updated_at": now,
                         "admin_id": str(admin_id), **({"multiline": False} if data_type == "string" else {})}
            self.attributes[name] = attribute
            return attribute

    def set_attributes(self, cid: str, values: dict) -> str:
        """Give the conversation these attribute values; the reason when they can't be (nothing changes)."""
        with self.lock:
            for name, value in values.items():
                attribute = self.attributes.get(name)
                if attribute is None or attribute["archived"]:
                    return f"Conversation attribute '{name}' does not exist"
                if attribute["data_type"] == "string" and not isinstance(value, str):
                    return f"Conversation attribute '{name}' must be a string"
            conv = self.conversations[cid]
            conv["custom_attributes"].update(values)
            conv["updated_at"] = int(time.time())
            return ""

    def _author(self, person: dict) -> dict:
        return {"type": person.get("role", "user") if person in self.contacts.values() else "admin",
                "id": person["id"], "name": person.get("name") or "", "email": person.get("email") or ""}

    def admin_author(self, admin_id: str) -> dict:
        admin = self.admins[str(admin_id)]
        return {"type": "admin", "id": admin["id"], "name": admin["name"], "email": admin["email"],
                "from_ai_agent": False, "is_ai_answer": False}

    def contact_author(self, contact_id: str) -> dict:
        return self._author(self.contacts[contact_id])

    # -- shapes ----------------------------------------------------------------------------------

    def conversation_json(self, conv: dict, with_parts: bool = True) -> dict:
        contact = self.contacts[conv["contact_id"]]
        out = {
            "type": "conversation", "id": conv["id"], "title": conv["title"] or None,
            "created_at": conv["created_at"], "updated_at": conv["updated_at"],
            **({"waiting_since": conv["waiting_since"]} if conv.get("waiting_since") else {}),
            "snoozed_until": conv.get("snoozed_until"), "open": conv["state"] == "open",
            "state": conv["state"], "read": False, "priority": "none",
            # integers, not nullable, in the description: left out while unassigned
            **({"admin_assignee_id": int(conv["admin_assignee_id"])} if conv["admin_assignee_id"] else {}),
            **({"team_assignee_id": int(conv["team_assignee_id"])} if conv["team_assignee_id"] else {}),
            "tags": {"type": "tag.list", "tags": [dict(t) for t in conv["tags"]]},
            "conversation_rating": conv.get("conversation_rating"), "source": dict(conv["source"]),
            "contacts": {"type": "contact.list", "contacts": [
                {"type": "contact", "id": contact["id"], "external_id": contact.get("external_id")}]},
            "teammates": {"type": "admin.list", "admins": []},
            "custom_attributes": dict(conv["custom_attributes"]), "ai_agent_participated": False,
        }
        if with_parts:
            out["conversation_parts"] = {"type": "conversation_part.list",
                                         "conversation_parts": [dict(p) for p in conv["parts"]],
                                         "total_count": len(conv["parts"])}
        return out


def install(app: Flask, store: ConversationStore, error) -> None:
    """Add the conversation routes to the sandbox app (whose before_request does auth and faults)."""

    def conv_or_404(cid):
        found = store.conversations.get(cid)
        return found

    def body() -> dict:
        data = request.get_json(silent=True)
        return data if isinstance(data, dict) else {}

    @app.get("/me")
    def me():
        bot = store.bot
        return jsonify({"type": "admin", "id": bot["id"], "name": bot["name"], "email": bot["email"],
                        "email_verified": True, "app": {
                            "type": "app", "id_code": store.workspace_id, "name": "Brightline",
                            "created_at": 1700000000, "secure": False, "identity_verification": False,
                            "timezone": "UTC", "region": "US"}, "avatar": {"type": "avatar", "image_url": None},
                        "has_inbox_seat": True})

    @app.get("/conversations/<cid>")
    def find(cid):
        conv = conv_or_404(cid)
        if conv is None:
            return error(404, "conversation_not_found", "Conversation not found")
        return jsonify(store.conversation_json(conv))

    @app.put("/conversations/<cid>")
    def update(cid):
        conv, data = conv_or_404(cid), body()
        if conv is None:
            return error(404, "conversation_not_found", "Conversation not found")
        values = data.get("custom_attributes") or {}
        if not isinstance(values, dict):
            return error(400, "parameter_invalid", "custom_attributes must be an object")
        problem = store.set_attributes(cid, values)
        if problem:
            return error(400, "parameter_invalid", problem)
        return jsonify(store.conversation_json(conv))

    @app.get("/conversations/attributes")
    def list_attributes():
        return jsonify({"type": "list", "data": [dict(a) for a in store.attributes.values() if not a["archived"]]})

    @app.post("/conversations/attributes")
    def create_attribute():
        data = body()
        name, data_type = str(data.get("name") or "").strip(), data.get("data_type")
        if not name:
            return error(400, "parameter_invalid", "name is required")
        if data_type not in ("string", "integer", "decimal", "boolean", "datetime"):
            return error(422, "parameter_invalid", f"data_type '{data_type}' is not valid. Allowed types: "
                         "string, integer, list, decimal, boolean, datetime, relationship, files")
        if name in store.attributes:
            return error(400, "parameter_invalid", f"An attribute named '{name}' already exists")
        return jsonify(store.define_attribute(name, data_type, str(data.get("description") or ""), store.bot["id"]))

    @app.post("/conversations/<cid>/reply")
    def reply(cid):
        conv, data = conv_or_404(cid), body()
        if conv is None:
            return error(404, "conversation_not_found", "Conversation not found")
        if data.get("type") != "admin" or data.get("message_type") not in ("comment", "note"):
            return error(400, "parameter_invalid", "type must be admin and message_type comment or note")
        if str(data.get("admin_id")) not in store.admins:
            return error(400, "parameter_invalid", "admin_id is not an admin of this workspace")
        if not str(data.get("body") or "").strip():
            return error(400, "parameter_invalid", "body is required")
        store.add_part(cid, data["message_type"], store.admin_author(str(data["admin_id"])), data["body"])
        return jsonify(store.conversation_json(conv))

    @app.post("/conversations/<cid>/parts")
    def manage(cid):
        conv, data = conv_or_404(cid), body()
        if conv is None:
            return error(404, "conversation_not_found", "Conversation not found")
        kind, admin = data.get("message_type"), str(data.get("admin_id"))
        if admin not in store.admins:
            return error(400, "parameter_invalid", "admin_id is not an admin of this workspace")
        author = store.admin_author(admin)
        if kind == "assignment":
            assignee = str(data.get("assignee_id", ""))
            if data.get("type") == "team":
                if assignee not in store.teams and assignee != "0":
                    return error(400, "parameter_invalid", "assignee_id is not a team")
                conv["team_assignee_id"] = None if assignee == "0" else assignee
            elif data.get("type") == "admin":
                if assignee not in store.admins and assignee != "0":
                    return error(400, "parameter_invalid", "assignee_id is not an admin")
                conv["admin_assignee_id"] = None if assignee == "0" else assignee
            else:
                return error(400, "parameter_invalid", "type must be admin or team")
            store.add_part(cid, "assignment", author, data.get("body"),
                           assigned_to={"type": data["type"], "id": assignee})
        elif kind in ("close", "open"):
            conv["state"], conv["snoozed_until"] = "closed" if kind == "close" else "open", None
            store.add_part(cid, kind, author, data.get("body"))
        elif kind == "snoozed":
            until = data.get("snoozed_until")
            if isinstance(until, bool) or not isinstance(until, int) or until <= time.time():
                return error(400, "parameter_invalid", "snoozed_until must be a unix time in the future")
            conv["state"], conv["snoozed_until"] = "snoozed", until
            store.add_part(cid, "snoozed", author)
        else:
            return error(400, "parameter_invalid", "message_type must be assignment, close, open or snoozed")
        return jsonify(store.conversation_json(conv))

    @app.post("/conversations/search")
    def search():
        data = body()
        try:
            match = _matcher(data.get("query") or {})
            per_page = int((data.get("pagination") or {}).get("per_page") or 20)
            after = (data.get("pagination") or {}).get("starting_after") or ""
            start = int(after) if after else 0
        except ValueError as exc:
            return error(400, "parameter_invalid", str(exc))
        if not 1 <= per_page <= 150:
            return error(400, "parameter_invalid", "per_page must be 1..150")
        found = sorted((c for c in store.conversations.values() if match(store.conversation_json(c, with_parts=False))),
                       key=lambda c: (c["updated_at"], c["id"]), reverse=True)
        chunk = found[start:start + per_page]
        pages = {"type": "pages", "page": start // per_page + 1, "per_page": per_page,
                 "total_pages": max(1, -(-len(found) // per_page))}
        if start + per_page < len(found):
            pages["next"] = {"per_page": per_page, "starting_after": str(start + per_page)}
        return jsonify({"type": "conversation.list", "total_count": len(found), "pages": pages,
                        "conversations": [store.conversation_json(c, with_parts=False) for c in chunk]})

    @app.get("/tags")
    def list_tags():
        return jsonify({"type": "list", "data": [dict(t) for t in store.tags.values()]})

    @app.post("/tags")
    def create_tag():
        name = str(body().get("name") or "").strip()
        if not name:
            return error(400, "parameter_invalid", "name is required")
        return jsonify(store.tag_named(name))

    @app.post("/conversations/<cid>/tags")
    def tag_conversation(cid):
        data = body()
        if conv_or_404(cid) is None:
            return error(404, "conversation_not_found", "Conversation not found")
        if str(data.get("id")) not in store.tags or str(data.get("admin_id")) not in store.admins:
            return error(400, "parameter_invalid", "id must be a tag and admin_id an admin")
        return jsonify(store.tag(cid, str(data["id"]), str(data["admin_id"])))

    @app.get("/teams")
    def teams():
        return jsonify({"type": "team.list", "teams": [
            {"type": "team", "id": t["id"], "name": t["name"], "admin_ids": []} for t in store.teams.values()]})

    @app.get("/contacts/<contact_id>")
    def contact(contact_id):
        found = store.contacts.get(contact_id)
        if found is None:
            return error(404, "not_found", "User Not Found")
        return jsonify({"type": "contact", "id": found["id"], "workspace_id": store.workspace_id,
                        "role": found.get("role", "user"), "email": found.get("email"),
                        "name": found.get("name"), "external_id": found.get("external_id"),
                        "created_at": found.get("created_at", 1700000000),
                        "updated_at": found.get("created_at", 1700000000),
                        "custom_attributes": dict(found.get("custom_attributes") or {})})

    @app.get("/contacts/<contact_id>/companies")
    def contact_companies(contact_id):
        found = store.contacts.get(contact_id)
        if found is None:
            return error(404, "not_found", "User Not Found")
        companies = [store.companies[c] for c in found.get("company_ids", []) if c in store.companies]
        return jsonify({"type": "list", "total_count": len(companies),
                        "pages": {"type": "pages", "page": 1, "per_page": 50, "total_pages": 1},
                        "data": [{"type": "company", "id": c["id"], "company_id": c["company_id"],
                                  "name": c["name"], "app_id": store.workspace_id, "plan": c.get("plan"),
                                  "created_at": c.get("created_at", 1700000000),
                                  "updated_at": c.get("created_at", 1700000000),
                                  "monthly_spend": c.get("monthly_spend", 0), "session_count": 0,
                                  "user_count": 1, "custom_attributes": dict(c.get("custom_attributes") or {}),
                                  "tags": {"type": "tag.list", "tags": []},
                                  "segments": {"type": "segment.list", "segments": []}}
                                 for c in companies]})


# The searchable fields the sandbox knows (Intercom accepts many more) and how to read them.
_FIELDS = {"contact_ids": lambda c: [x["id"] for x in c["contacts"]["contacts"]], "state": lambda c: c["state"],
           "open": lambda c: c["open"], "waiting_since": lambda c: c.get("waiting_since"),
           "updated_at": lambda c: c["updated_at"], "created_at": lambda c: c["created_at"]}
_DATES = {"waiting_since", "updated_at", "created_at"}


def _matcher(query: dict):
    """A conversation search query (one filter, or AND/OR of filters) as a predicate; ValueError
    for what Intercom would refuse or the sandbox does not know."""
    if query.get("operator") in ("AND", "OR") and isinstance(query.get("value"), list):
        parts = [_matcher(q) for q in query["value"]]
        combine = all if query["operator"] == "AND" else any
        return lambda conv: combine(p(conv) for p in parts)
    field, op, value = query.get("field"), query.get("operator"), query.get("value")
    if field not in _FIELDS:
        raise ValueError(f"the sandbox cannot search by {field!r}")
    if field in _DATES and op not in ("=", "<", ">"):
        raise ValueError(f"operator {op!r} is not supported for date field {field}")
    if op not in ("=", "!=", "<", ">"):
        raise ValueError(f"the sandbox does not support operator {op!r}")
    read = _FIELDS[field]
    if field in _DATES:
        value = int(value)

    def match(conv) -> bool:
        have = read(conv)
        if isinstance(have, list):
            return (str(value) in have) == (op == "=")
        if have is None:
            return op == "!="
        if op in ("<", ">"):
            return have < value if op == "<" else have > value
        return (str(have).lower() == str(value).lower()) == (op == "=")
    return match
