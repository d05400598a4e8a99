"""Turn a verified Zendesk webhook body into a TicketEvent. Pure: bytes and headers in.

Two forms arrive at the same endpoint:
- event-subscribed webhooks (`zen:event-type:ticket.*`), whose `id` is unique per event;
- the trigger form, a JSON body an admin pastes into a trigger (README), recognised by
  its `deskhand_trigger` key. Triggers carry no event id, so the delivery id is the
  invocation id header, or else the ticket and its update time.
"""
from __future__ import annotations

import hashlib

from app.core.domain import TicketEvent
from app.core.strict import BadInput, is_id, parse_json

PLATFORM = "zendesk"


class PayloadError(BadInput):
    """The body is not a webhook we can read; the message says why (answered with 400)."""

    def __init__(self, message: str):
        super().__init__(message, 400)


def _json(body: bytes):
    """Strict JSON (app/core/strict.py): UTF-8, not absurdly nested. A lone surrogate (a string that
    could never be stored) becomes U+FFFD rather than a refusal: the sender signed it and would
    retry a 400 forever, and the ticket is read again from the helpdesk anyway. The web layer has
    bounded the size already."""
    try:
        return parse_json(body, max_bytes=None, repair_surrogates=True)
    except BadInput as exc:
        raise PayloadError(exc.message) from None


def parse_zendesk(body: bytes, headers: dict[str, str]) -> TicketEvent | None:
    """Return the event, or None for a well-formed event type we do not handle."""
    data = _json(body)
    if not isinstance(data, dict):
        raise PayloadError("body must be a JSON object")
    if "deskhand_trigger" in data:
        return _from_trigger(data, headers)
    if isinstance(data.get("type"), str) and data["type"].startswith("zen:event-type:"):
        return _from_event(data)
    raise PayloadError("body is neither a Zendesk event nor the Deskhand trigger template")


def _from_event(data: dict) -> TicketEvent | None:
    event_type = data["type"].removeprefix("zen:event-type:")
    detail = data.get("detail") if isinstance(data.get("detail"), dict) else {}
    change = data.get("event") if isinstance(data.get("event"), dict) else {}
    ticket_id = _id(detail.get("id")) or str(data.get("subject", "")).removeprefix("zen:ticket:")
    if not event_type.startswith("ticket."):
        return None
    if not _id(data.get("id")) or not ticket_id:
        raise PayloadError("event is missing its id or ticket id")
    if not is_id(ticket_id):
        raise PayloadError("event's ticket id must be a number")
    base = dict(platform=PLATFORM, delivery_id=f"zendesk:{_id(data['id'])}", ticket_id=ticket_id,
                requester_id=_id(detail.get("requester_id")))
    if event_type == "ticket.created":
        return TicketEvent(kind="ticket.created", **base)
    if event_type == "ticket.comment_added":
        comment = change.get("comment") if isinstance(change.get("comment"), dict) else {}
        author = comment.get("author") if isinstance(comment.get("author"), dict) else {}
        staff = author.get("is_staff") in (True, "true", "True")
        return TicketEvent(kind="ticket.agent_replied" if staff else "ticket.customer_replied",
                           comment_id=_id(comment.get("id")), author_id=_id(author.get("id")), **base)
    if event_type == "ticket.status_changed":
        current = str(change.get("current") or detail.get("status") or "").lower()
        if current in ("solved", "closed"):
            return TicketEvent(kind="ticket.solved", **base)
        if str(change.get("previous", "")).lower() in ("solved", "closed"):
            return TicketEvent(kind="ticket.reopened", **base)
    if event_type == "ticket.custom_field_changed":  # an agent set a field: the category, perhaps
        return TicketEvent(kind="ticket.field_changed", **base)
    return None


def _from_trigger(data: dict, headers: dict[str, str]) -> TicketEvent:
    ticket_id = _id(data.get("ticket_id"))
    if not is_id(ticket_id):
        raise PayloadError("trigger body needs a numeric ticket_id")
    invocation = headers.get("X-Zendesk-Webhook-Invocation-Id", "")
    stamp = str(data.get("updated_at", ""))
    if invocation:
        delivery = f"zendesk-trigger:{invocation}"
    else:
        digest = hashlib.sha256(f"{ticket_id}:{stamp}:{data.get('comment_id', '')}".encode()).hexdigest()
        delivery = f"zendesk-trigger:{digest[:24]}"
    # the rating trigger (RATING_TRIGGER_TEMPLATE): Zendesk sends no event for a CSAT rating
    kind = "ticket.rated" if data.get("deskhand_event") == "rated" else "ticket.customer_replied"
    return TicketEvent(platform=PLATFORM, delivery_id=delivery, kind=kind,
                       ticket_id=ticket_id, comment_id=_id(data.get("comment_id")),
                       requester_id=_id(data.get("requester_id")))


def _id(value) -> str:
    """An id as text; "" for a missing one and for anything that is not a string or a number."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return ""
    return str(value).strip()


TRIGGER_TEMPLATE = {
    "deskhand_trigger": 1,
    "ticket_id": "{{ticket.id}}",
    "updated_at": "{{ticket.updated_at_with_timestamp}}",
    "requester_id": "{{ticket.requester.id}}",
}
# for a trigger on "Satisfaction changed": Deskhand reads the rating from the ticket (app/outcomes/)
RATING_TRIGGER_TEMPLATE = {**TRIGGER_TEMPLATE, "deskhand_event": "rated"}


# -- Intercom (reference B1) ----------------------------------------------------------------------
# A notification is `{"type": "notification_event", "id": "notif_…", "topic", "data": {"item":
# <the conversation>}}`. The notification id is unique per notification (redeliveries repeat it),
# so it is the delivery id. `conversation.user.replied` carries the new part(s) in
# `item.conversation_parts`; the customer's latest comment among them is the trigger.

INTERCOM = "intercom"
INTERCOM_TOPICS = {"conversation.user.created": "ticket.created",
                   "conversation.user.replied": "ticket.customer_replied",
                   # outcomes of Deskhand's work (app/outcomes/): read off the conversation afterwards
                   "conversation.admin.closed": "ticket.solved",
                   "conversation.admin.opened": "ticket.reopened",
                   "conversation.rating.added": "ticket.rated"}
CUSTOMER_TYPES = {"user", "lead", "contact"}


def _customer(author) -> bool:
    return isinstance(author, dict) and isinstance(author.get("type"), str) and author["type"] in CUSTOMER_TYPES


def parse_intercom(body: bytes) -> TicketEvent | None:
    """Return the event, or None for a well-formed notification whose topic we do not handle."""
    data = _json(body)
    if not isinstance(data, dict) or data.get("type") != "notification_event":
        raise PayloadError("body is not an Intercom notification_event")
    topic, notif = data.get("topic"), _id(data.get("id"))
    if not isinstance(topic, str) or not notif:
        raise PayloadError("notification is missing its id or topic")
    kind = INTERCOM_TOPICS.get(topic)
    if kind is None:
        return None  # ping, admin topics (the bot's own replies among them), contacts, …
    item = (data.get("data") or {}).get("item") if isinstance(data.get("data"), dict) else None
    if not isinstance(item, dict) or not _id(item.get("id")):
        raise PayloadError(f"{topic} notification carries no conversation")
    if not is_id(_id(item["id"])):
        raise PayloadError(f"{topic} notification: the conversation id must be a number")
    source = item.get("source") if isinstance(item.get("source"), dict) else {}
    author = source.get("author") if isinstance(source.get("author"), dict) else {}
    requester = _id(author.get("id")) if _customer(author) else ""
    if not requester:
        contacts = item["contacts"].get("contacts") if isinstance(item.get("contacts"), dict) else None
        first = contacts[0] if isinstance(contacts, list) and contacts else None
        requester = _id(first.get("id")) if isinstance(first, dict) else ""
    comment_id = author_id = ""
    if kind == "ticket.customer_replied":
        parts = item["conversation_parts"].get("conversation_parts") \
            if isinstance(item.get("conversation_parts"), dict) else None
        theirs = [p for p in parts if isinstance(p, dict) and p.get("part_type") in ("comment", "open")
                  and _customer(p.get("author"))] \
            if isinstance(parts, list) else []
        if theirs:
            comment_id, author_id = _id(theirs[-1].get("id")), _id(theirs[-1]["author"].get("id"))
    elif kind == "ticket.created":
        comment_id, author_id = _id(source.get("id")), _id(author.get("id"))
    return TicketEvent(platform=INTERCOM, delivery_id=f"intercom:{notif}", kind=kind,
                       ticket_id=_id(item["id"]), comment_id=comment_id, author_id=author_id,
                       requester_id=requester)
