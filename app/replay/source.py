"""Solved tickets and what the humans did with them, for `deskhand replay`: from a file (our JSONL
history format or a Zendesk ticket export), from Zendesk's incremental export, or from Intercom's
search for closed conversations.

Per ticket: the first customer message (what Deskhand would have answered), the category the team
gave it (a custom field or a tag; the `category` key in JSONL), whether a person replied or
escalated it, and the first public agent reply (to compare Deskhand's with). A ticket escalated by
a person carries one of the escalation tags (`escalated` by default); in JSONL, `expect` says it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from app.core.errors import DeskhandError
from app.reasoning.training_data import OUT_OF_SCOPE, numbered_records, parse_record


class ReplayError(DeskhandError):
    pass


@dataclass(frozen=True)
class HumanTicket:
    id: str
    subject: str
    body: str
    category: str | None  # the team's label; None when out of scope or unlabelled
    labelled: bool
    human: str  # replied | escalated | none (solved without a public reply)
    agent_reply: str = ""
    requester: dict = field(default_factory=dict)
    page_url: str = ""
    created_at: str = ""


@dataclass(frozen=True)
class Labels:
    """Where a ticket keeps its category (a Zendesk custom field id or an Intercom conversation
    attribute name; or a tag prefix) and its escalation (tags)."""
    category_field: str = ""
    category_tag_prefix: str = ""
    escalated_tags: tuple[str, ...] = ("escalated",)

    def category(self, fields: dict, tags: list[str]):
        """The team's category: the field's value, else the tag after the prefix (None: unlabelled)."""
        category = fields.get(str(self.category_field)) if self.category_field else None
        if not category and self.category_tag_prefix:
            p = self.category_tag_prefix
            category = next((t[len(p):] for t in tags if t.startswith(p) and len(t) > len(p)), None)
        return category

    def human(self, tags: list[str], replied: bool) -> str:
        return "escalated" if set(tags) & set(self.escalated_tags) else "replied" if replied else "none"


def load_file(path: str, labels: Labels) -> tuple[list[HumanTicket], list[str]]:
    """Tickets and one message per unreadable record."""
    numbered = numbered_records(path, ReplayError)
    tickets, problems = [], []
    for number, record in numbered:
        try:
            if isinstance(record, str):  # a line that is not JSON
                raise ValueError(record)
            if not isinstance(record, dict):
                raise ValueError("not a JSON object")
            zendesk = "description" in record or "comments" in record or "requester_id" in record
            tickets.append(from_zendesk(record, labels) if zendesk else from_jsonl(record))
        except (ValueError, TypeError) as exc:
            problems.append(f"{path}:{number}: {exc}")
    if not tickets and not problems:
        raise ReplayError(f"{path} holds no tickets")
    return tickets, problems


def from_jsonl(data: dict) -> HumanTicket:
    """Our history format (docs/replay-and-eval.md: Training data format) with the agent's reply as `agent_reply`."""
    ticket = parse_record(data)
    reply = str(data.get("agent_reply") or "")
    human = "escalated" if ticket.expect == "escalate" else "replied" if reply or ticket.expect == "answer" else "none"
    return HumanTicket(id=ticket.id, subject=ticket.subject, body=ticket.body, category=ticket.category,
                       labelled=ticket.labelled, human=human, agent_reply=reply, requester=ticket.requester,
                       page_url=ticket.page_url, created_at=str(data.get("created_at") or ""))


def from_zendesk(record: dict, labels: Labels, comments: list[dict] | None = None, users: dict | None = None,
                 bot_id: str = "", page_url_field: str = "") -> HumanTicket:
    """A Zendesk ticket (API shape, or the JSON export's with `comments`); `comments` overrides."""
    if "id" not in record:
        raise ValueError("missing 'id'")
    comments = comments if comments is not None else record.get("comments") or []
    comments = sorted((c for c in comments if isinstance(c, dict)), key=lambda c: (str(c.get("created_at") or ""),
                                                                                    int(c.get("id") or 0)))
    requester = str(record.get("requester_id") or "")
    first = next((c for c in comments if str(c.get("author_id")) == requester), comments[0] if comments else None)
    body = (first.get("plain_body") or first.get("body")) if first else record.get("description")
    if not body:
        raise ValueError("no description or first comment")
    agents = [c for c in comments if c.get("public", True) and str(c.get("author_id")) not in (requester, bot_id)]
    tags = [t for t in record.get("tags") or [] if isinstance(t, str)]
    human = labels.human(tags, bool(agents))
    fields = [f for f in record.get("custom_fields") or record.get("fields") or [] if isinstance(f, dict)]
    value = {str(f.get("id")): f.get("value") for f in fields}
    category = labels.category(value, tags)
    user = (users or {}).get(record.get("requester_id")) or {}
    page = value.get(page_url_field) if page_url_field else None
    return HumanTicket(id=str(record["id"]), subject=str(record.get("subject") or ""), body=str(body),
                       category=None if category in (None, "", OUT_OF_SCOPE) else str(category),
                       labelled=category is not None, human=human,
                       agent_reply=str(agents[0].get("plain_body") or agents[0].get("body") or "") if agents else "",
                       requester={"name": user.get("name") or "", "email": user.get("email") or ""},
                       page_url=page.strip() if isinstance(page, str) else "",
                       created_at=str(record.get("created_at") or ""))


def load_helpdesk(export, since_s: float, labels: Labels, bot_id: str, page_url_field: str = "",
                  comments: str = "auto", now: float | None = None, limit: int = 0) -> tuple[list[HumanTicket], dict]:
    """Solved and closed tickets changed in the last `since_s` seconds, read through the ticket
    export (users sideloaded) and their comments (in bulk where that saves calls). Tickets Deskhand
    already wrote on are left out: they show what it did, not what people did."""
    import time

    from app.backlog.comment_reader import CommentReader
    now = time.time() if now is None else now
    reader = CommentReader(export, comments)
    # a ticket changed twice in the window is exported twice: the later copy wins
    found: dict[str, HumanTicket] = {}
    stats, cursor, start = {"read": 0, "not_solved": 0, "touched_by_deskhand": 0}, "", int(now - since_s)
    while True:
        page = export.ticket_page(start_time=None if cursor else start, cursor=cursor, include_users=True)
        solved = [t for t in page.tickets if t.get("status") in ("solved", "closed")]
        stats["read"] += len(page.tickets)
        stats["not_solved"] += len(page.tickets) - len(solved)
        reader.prepare(solved)
        for raw in solved:
            items = reader.comments(raw["id"])
            if bot_id and any(str(c.get("author_id")) == bot_id for c in items):
                stats["touched_by_deskhand"] += 1
                continue
            found[str(raw["id"])] = from_zendesk(raw, labels, items, page.users, bot_id, page_url_field)
            if limit and len(found) >= limit:
                return list(found.values()), stats
        if page.end_of_stream or not page.tickets or not page.after_cursor:
            return list(found.values()), stats
        cursor = page.after_cursor


def from_ticket(ticket, labels: Labels) -> HumanTicket:
    """A helpdesk snapshot (connectors/types.Ticket) as replay reads it: the first customer message,
    the first public reply by a person, the category from its field/attribute or tag."""
    first = next((c for c in ticket.comments if c.role == "customer"), None)
    if first is None or not first.body.strip():
        raise ValueError("no customer message")
    agents = [c for c in ticket.comments if c.role == "agent" and c.public]
    tags = list(ticket.tags)
    human = labels.human(tags, bool(agents))
    category = labels.category(dict(ticket.custom_fields), tags)
    return HumanTicket(id=ticket.id, subject=ticket.subject, body=first.body,
                       category=None if category in (None, "", OUT_OF_SCOPE) else str(category),
                       labelled=category is not None, human=human, agent_reply=agents[0].body if agents else "",
                       requester={"name": ticket.requester.name, "email": ticket.requester.email},
                       page_url=ticket.page_url, created_at=ticket.created_at)


def load_intercom(helpdesk, since_s: float, labels: Labels, now: float | None = None,
                  limit: int = 0) -> tuple[list[HumanTicket], dict]:
    """Closed conversations changed in the last `since_s` seconds, found with Intercom's search (no
    export exists) and read one by one for their parts. Conversations Deskhand wrote in are left out."""
    import time
    now = time.time() if now is None else now
    found: list[HumanTicket] = []
    stats, cursor = {"read": 0, "not_solved": 0, "touched_by_deskhand": 0, "calls": 0}, ""
    while True:
        page, cursor = helpdesk.closed(int(now - since_s), starting_after=cursor)
        stats["calls"] += 1
        for item in page:
            ticket = helpdesk.snapshot(item["id"]).ticket
            stats["read"] += 1
            stats["calls"] += 1
            if any(c.role == "bot" for c in ticket.comments):
                stats["touched_by_deskhand"] += 1
                continue
            try:
                found.append(from_ticket(ticket, labels))
            except ValueError:
                stats["not_solved"] += 1  # nothing a customer asked: nothing to replay
                continue
            if limit and len(found) >= limit:
                return found, stats
        if not cursor or not page:
            return found, stats
