"""Zendesk JSON shapes and small conversions shared by the sandbox modules.

The store keeps records in Zendesk's own JSON shape, so most of what lives here
is about building new records (tickets, comments, audit events) and rendering
the few fields that depend on the request (absolute `url` fields).
"""
from __future__ import annotations

import html
import re
import time
from datetime import datetime, timezone

TICKET_STATUSES = ("new", "open", "pending", "hold", "solved", "closed")
PRIORITIES = (None, "low", "normal", "high", "urgent")
TICKET_TYPES = (None, "problem", "incident", "question", "task")
STAFF_ROLES = ("agent", "admin")


# ---- time -----------------------------------------------------------------

def iso(ts: float) -> str:
    """Unix seconds -> Zendesk's ISO-8601 form, second precision, 'Z' suffix."""
    return datetime.fromtimestamp(int(ts), tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_ms(ts: float) -> str:
    """Millisecond ISO-8601 (used for webhook event `time`, which is finer grained)."""
    dt = datetime.fromtimestamp(ts, tz=timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def parse_iso(value) -> float | None:
    """ISO-8601 string (Z or offset) -> unix seconds; None/'' -> None."""
    if value in (None, ""):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip().replace("Z", "+00:00")
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.timestamp()


def now() -> float:
    return time.time()


# ---- comment bodies -------------------------------------------------------

_TAG_RE = re.compile(r"<[^>]+>")
_BLOCK_RE = re.compile(r"</?(p|div|br|li|ul|ol|h[1-6])[^>]*>", re.I)


def html_to_text(markup: str) -> str:
    """Crude HTML -> plain text, enough for `plain_body` of sandbox comments."""
    text = _BLOCK_RE.sub("\n", markup or "")
    text = html.unescape(_TAG_RE.sub("", text))
    lines = [ln.strip() for ln in text.splitlines()]
    return "\n".join(ln for ln in lines if ln).strip()


def text_to_html(text: str) -> str:
    """Plain text -> the wrapper Zendesk uses for `html_body` of text comments."""
    paras = [p for p in (text or "").split("\n\n") if p.strip()] or [""]
    inner = "".join("<p>" + html.escape(p).replace("\n", "<br>") + "</p>" for p in paras)
    return f'<div class="zd-comment" dir="auto">{inner}</div>'


# ---- record builders ------------------------------------------------------

def via(channel: str) -> dict:
    """`channel` may carry the source's `rel` after a slash: "web/zendesk_widget" is a ticket from the
    Web Widget, "web" one from the Help Center form (Zendesk's Via object reference)."""
    name, _, rel = channel.partition("/")
    return {"channel": name, "source": {"from": {}, "to": {}, "rel": rel or None}}


def new_comment(comment_id: int, author_id: int, *, body: str | None = None,
                html_body: str | None = None, public: bool = True,
                created_at: str, channel: str = "api", audit_id: int | None = None) -> dict:
    if html_body is not None and body is None:
        body = html_to_text(html_body)
    body = body or ""
    html_body = html_body if html_body is not None else text_to_html(body)
    return {
        "id": comment_id, "type": "Comment", "author_id": author_id,
        "body": body, "html_body": html_body, "plain_body": html_to_text(html_body),
        "public": bool(public), "created_at": created_at, "via": via(channel),
        "attachments": [], "audit_id": audit_id,
        "metadata": {"system": {"client": "Deskhand sandbox", "ip_address": "127.0.0.1"},
                     "custom": {}},
    }


def new_ticket(ticket_id: int, *, subject: str, description: str, requester_id: int,
               submitter_id: int | None = None, organization_id: int | None = None,
               status: str = "new", channel: str = "web", created_at: str,
               updated_at: str | None = None, tags=None, custom_fields=None,
               priority=None, group_id=None, assignee_id=None, ticket_type=None,
               external_id=None, brand_id: int | None = None) -> dict:
    fields = [dict(f) for f in (custom_fields or [])]
    return {
        "id": ticket_id, "external_id": external_id, "via": via(channel),
        "created_at": created_at, "updated_at": updated_at or created_at,
        "type": ticket_type, "subject": subject, "raw_subject": subject,
        "description": description, "priority": priority, "status": status,
        "recipient": None, "requester_id": requester_id,
        "submitter_id": submitter_id or requester_id, "assignee_id": assignee_id,
        "organization_id": organization_id, "group_id": group_id,
        "collaborator_ids": [], "follower_ids": [], "email_cc_ids": [],
        "forum_topic_id": None, "problem_id": None, "has_incidents": False,
        "is_public": True, "due_at": None, "tags": list(dict.fromkeys(tags or [])),
        "custom_fields": fields, "fields": [dict(f) for f in fields],
        "satisfaction_rating": None, "sharing_agreement_ids": [],
        "ticket_form_id": None, "brand_id": brand_id, "allow_channelback": False,
        "allow_attachments": True, "from_messaging_channel": False,
    }


# ---- rendering (adds request-dependent absolute urls) ---------------------

def render(record: dict, collection: str, base: str) -> dict:
    """The record with its absolute API `url`, as Zendesk returns it (e.g. collection "tickets")."""
    return {**record, "url": f"{base}/api/v2/{collection}/{record['id']}.json"}


def render_ticket(ticket: dict, base: str) -> dict:
    return render(ticket, "tickets", base)


def render_user(user: dict, base: str) -> dict:
    return render(user, "users", base)


def render_org(org: dict, base: str) -> dict:
    return render(org, "organizations", base)


def render_group(group: dict, base: str) -> dict:
    return render(group, "groups", base)
