"""Ticket writes with Zendesk's rules: create, and the all-in-one ticket update.

Everything a single PUT carries (comment, status, tags, fields, assignment) is
applied under the store lock in one go, producing one audit, as Zendesk does.
The functions return what changed so the caller can fire webhooks afterwards,
outside the lock and outside the HTTP request.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field

from . import shapes
from .state import ApiError, Store, invalid, not_found


@dataclass
class Change:
    ticket: dict
    audit: dict
    actor_id: int
    comment: dict | None = None
    status_from: str | None = None          # set only when the status changed
    created: bool = False
    events: list = field(default_factory=list)


def _truthy(value) -> bool:
    return value is True or str(value).lower() in ("true", "1")


def _check_user(store: Store, user_id, what: str, staff: bool = False) -> None:
    if user_id is None:
        return
    user = store.users.get(int(user_id))
    if user is None or (staff and user.get("role") not in shapes.STAFF_ROLES):
        raise invalid(what, f"{what} {user_id} is not a valid {'agent' if staff else 'user'}")


def _comment_from(store: Store, spec: dict, actor_id: int, channel: str, audit_id: int) -> dict:
    if not isinstance(spec, dict):
        spec = {"body": str(spec)}
    body, html_body = spec.get("body"), spec.get("html_body")
    if not (body or html_body):
        raise invalid("comment", "Comment body cannot be blank")
    author_id = int(spec.get("author_id") or actor_id)
    _check_user(store, author_id, "author_id")
    # Zendesk makes a comment public unless `public: false` is given explicitly.
    public = _truthy(spec["public"]) if "public" in spec else True
    return shapes.new_comment(store.next_id("event"), author_id, body=body, html_body=html_body,
                              public=public, created_at=store.now_iso(), channel=channel,
                              audit_id=audit_id)


def _set_fields(current: list[dict], updates) -> list[dict]:
    out = [dict(f) for f in current]
    for upd in updates or []:
        for f in out:
            if str(f["id"]) == str(upd.get("id")):
                f["value"] = upd.get("value")
                break
        else:
            out.append({"id": int(upd["id"]), "value": upd.get("value")})
    return out


def _tags_after(ticket: dict, spec: dict) -> list[str]:
    tags = list(ticket.get("tags") or [])
    if "tags" in spec:
        tags = list(spec["tags"] or [])
    tags += [t for t in (spec.get("additional_tags") or []) if t not in tags]
    drop = set(spec.get("remove_tags") or [])
    return list(dict.fromkeys(t for t in tags if t not in drop))


def update_ticket(store: Store, ticket_id: int, spec: dict, actor_id: int,
                  channel: str = "api") -> Change:
    """Apply a `{"ticket": spec}` PUT body. Raises ApiError (404/409/422)."""
    with store.lock:
        ticket = store.tickets.get(int(ticket_id))
        if ticket is None:
            raise not_found()
        if ticket["status"] == "closed":
            raise invalid("status", "Status: closed prevents ticket update")
        if _truthy(spec.get("safe_update")):
            stamp = shapes.parse_iso(spec.get("updated_stamp"))
            if stamp is None or int(stamp) != int(shapes.parse_iso(ticket["updated_at"])):
                raise ApiError(409, "UpdateConflict",
                               "Safe Update prevented the update due to outdated ticket data. "
                               "Please fetch the latest ticket data and try again.")
        new = copy.deepcopy(ticket)
        audit_id = store.next_id("event")
        comment = None
        if spec.get("comment"):
            comment = _comment_from(store, spec["comment"], actor_id, channel, audit_id)
        for key in ("subject", "type", "priority", "external_id", "group_id", "assignee_id",
                    "requester_id", "organization_id", "due_at"):
            if key in spec:
                new[key] = spec[key]
        if "subject" in spec:
            new["raw_subject"] = spec["subject"]
        if new["priority"] not in shapes.PRIORITIES:
            raise invalid("priority", f"Priority: {new['priority']} is not valid")
        if new["group_id"] is not None and int(new["group_id"]) not in store.groups:
            raise invalid("group_id", f"Group {new['group_id']} not found")
        _check_user(store, new["assignee_id"], "assignee_id", staff=True)
        _check_user(store, new["requester_id"], "requester_id")
        if "custom_fields" in spec or "fields" in spec:
            new["custom_fields"] = _set_fields(new["custom_fields"],
                                               spec.get("custom_fields") or spec.get("fields"))
            new["fields"] = copy.deepcopy(new["custom_fields"])
        new["tags"] = _tags_after(new, spec)
        if "status" in spec:
            new["status"] = spec["status"]
        elif comment and not store.is_staff(comment["author_id"]) and new["status"] != "new":
            new["status"] = "open"      # a requester's reply reopens pending/solved tickets
        elif new["status"] == "new" and (new["assignee_id"] or (comment and store.is_staff(
                comment["author_id"]))):
            new["status"] = "open"      # an agent touching a new ticket opens it
        if new["status"] not in shapes.TICKET_STATUSES:
            raise invalid("status", f"Status: {new['status']} is not valid")

        events = []
        if comment:
            events.append({k: comment[k] for k in ("id", "type", "author_id", "body", "html_body",
                                                    "plain_body", "public", "attachments")})
            store.comments.setdefault(new["id"], []).append(comment)
        for key in ("status", "priority", "group_id", "assignee_id", "subject", "type", "tags"):
            if new[key] != ticket[key]:
                events.append({"id": store.next_id("event"), "type": "Change", "field_name": key,
                               "value": new[key], "previous_value": ticket[key]})
        for f in new["custom_fields"]:
            old = next((o["value"] for o in ticket["custom_fields"] if o["id"] == f["id"]), None)
            if f["value"] != old:
                events.append({"id": store.next_id("event"), "type": "Change",
                               "field_name": str(f["id"]), "value": f["value"],
                               "previous_value": old})
        store.touch(new)
        store.tickets[new["id"]] = new
        audit = {"id": audit_id, "ticket_id": new["id"], "created_at": new["updated_at"],
                 "author_id": actor_id, "metadata": {"system": {}, "custom": {}},
                 "via": shapes.via(channel), "events": events}
        status_from = ticket["status"] if new["status"] != ticket["status"] else None
        return Change(copy.deepcopy(new), audit, actor_id, copy.deepcopy(comment), status_from,
                      events=events)


def create_ticket(store: Store, spec: dict, actor_id: int, channel: str = "api",
                  ticket_id: int | None = None, created_at: str | None = None) -> Change:
    """Create a ticket from a POST body's `ticket` object (or a played stream item)."""
    comment_spec = spec.get("comment") or {}
    if isinstance(comment_spec, str):
        comment_spec = {"body": comment_spec}
    with store.lock:
        requester_id = spec.get("requester_id") or actor_id
        if isinstance(spec.get("requester"), dict) and spec["requester"].get("email"):
            found = store.user_by_email(spec["requester"]["email"])
            if found is None:
                raise invalid("requester", "Requester must be an existing sandbox user")
            requester_id = found["id"]
        _check_user(store, requester_id, "requester_id")
        tid = ticket_id if ticket_id and ticket_id not in store.tickets else store.next_id("ticket")
        store.reserve_ticket_ids(tid)
        when = created_at or store.now_iso()
        author_id = int(comment_spec.get("author_id") or requester_id)
        audit_id = store.next_id("event")
        comment = _comment_from(store, {**comment_spec, "author_id": author_id}, actor_id,
                                channel, audit_id)
        comment["created_at"] = when
        requester = store.users[int(requester_id)]
        ticket = shapes.new_ticket(
            tid, subject=spec.get("subject") or comment["body"][:60],
            description=comment["body"], requester_id=int(requester_id),
            submitter_id=spec.get("submitter_id") or author_id,
            organization_id=spec.get("organization_id", requester.get("organization_id")),
            status=spec.get("status") or "new", channel=channel, created_at=when,
            tags=spec.get("tags"), custom_fields=spec.get("custom_fields"),
            priority=spec.get("priority"), group_id=spec.get("group_id"),
            assignee_id=spec.get("assignee_id"), ticket_type=spec.get("type"),
            external_id=spec.get("external_id"), brand_id=store.account.get("brand_id"))
        if ticket["status"] not in shapes.TICKET_STATUSES:
            raise invalid("status", f"Status: {ticket['status']} is not valid")
        stored = store.insert_ticket(ticket, [comment])
        events = [{"id": comment["id"], "type": "Comment", "author_id": author_id,
                   "body": comment["body"], "public": comment["public"]},
                  {"id": store.next_id("event"), "type": "Create", "field_name": "status",
                   "value": ticket["status"]}]
        audit = {"id": audit_id, "ticket_id": tid, "created_at": stored["updated_at"],
                 "author_id": actor_id, "metadata": {"system": {}, "custom": {}},
                 "via": shapes.via(channel), "events": events}
        return Change(stored, audit, actor_id, copy.deepcopy(comment), created=True,
                      events=events)
