"""Intercom conversations through python-intercom: the Helpdesk role for Intercom. The only module
that knows Intercom's conversation API (reference B2, B3).

Reads go through the bounded retry of connectors/intercom_kb.py (the SDK retries nothing, B3);
writes are never retried: a reply that may have landed is resolved by the pipeline re-reading the
conversation for the write's marker.

The marker. Zendesk carries `deskhand_<key>` as a tag in the same PUT as the comment. Intercom has
no idempotency key and no single call that adds a part and a tag, and a tag per reply would fill
the workspace's tag list with thousands of one-off tags. So the marker travels inside the reply
itself: the part's body ends with the marker written in zero-width characters (invisible to the
customer and the teammate, and part of the same request, so the reply and its marker land
together or not at all). `snapshot` reads them back from the bot's own parts and reports them
among the conversation's tags, which is where the platform-neutral pipeline looks. The other
tags (`deskhand_replied`, the category, …) are real Intercom tags, few and reusable.

Write order: tags, then team assignment (both idempotent: repeating them after a crash changes
nothing), then the reply, which is the commit point.
"""
from __future__ import annotations

import re
import threading

from intercom import AdminReplyConversationRequest, CreateOrUpdateTagRequest, SingleFilterSearchRequest
from intercom.conversations import ConversationsManageRequestBody_Assignment

from .errors import ConnectorError
from .intercom_kb import NO_SDK_RETRIES, TIMEOUT_S, IntercomArticles, _iso, _translate
from .types import Comment, Requester, Snapshot, Ticket, TicketSummary, TicketUpdate, outcome_of

CUSTOMER = {"user", "lead", "contact"}
TEXT_PARTS = {"comment", "note"}
MARKER = re.compile(r"^deskhand_[0-9a-f]{12}$")
# two bits per zero-width character, after an invisible separator that says "a marker follows"
_ZW = "\u200b\u200c\u200d\u2060"
_START = "\u2063"
_HIDDEN = re.compile(_START + "([" + _ZW + "]{24})")


def hide(marker: str) -> str:
    digits = marker.removeprefix("deskhand_")
    return _START + "".join(_ZW[int(h, 16) >> 2] + _ZW[int(h, 16) & 3] for h in digits)


def reveal(body: str) -> tuple[str, list[str]]:
    """The body without hidden markers, and the markers it carried."""
    found = []
    for code in _HIDDEN.findall(body or ""):
        bits = [_ZW.index(c) for c in code]
        found.append("deskhand_" + "".join(f"{(bits[i] << 2) | bits[i + 1]:x}" for i in range(0, 24, 2)))
    return _HIDDEN.sub("", body or ""), found


class IntercomHelpdesk:
    platform = "intercom"

    def __init__(self, token: str, base_url: str = "", admin_id: str = "", workspace_id: str = "",
                 timeout_s: float = TIMEOUT_S):
        self.articles = IntercomArticles(token, base_url=base_url, timeout_s=timeout_s)
        self.client = self.articles.client
        self._admin_id, self._workspace_id = str(admin_id or ""), workspace_id
        self._tags: dict[str, str] = {}
        self._teams: dict[str, str] | None = None
        self._lock = threading.Lock()

    def _read(self, fn):
        return self.articles._read(fn)  # one retry policy for every Intercom read

    # -- reads ---------------------------------------------------------------------------------

    def bot_user_id(self) -> str:
        if not self._admin_id:
            me = self._read(lambda: self.client.admins.identify(request_options=NO_SDK_RETRIES))
            self._admin_id = str(me.id)
            self._workspace_id = self._workspace_id or str(getattr(getattr(me, "app", None), "id_code", "") or "")
        return self._admin_id

    def ticket_link(self, ticket_id: str) -> str:
        return f"https://app.intercom.com/a/inbox/{self._workspace_id or '_'}/inbox/conversation/{ticket_id}"

    def snapshot(self, ticket_id: str, requester_id: str = "") -> Snapshot:
        """One read: the conversation with its parts (plain-text bodies). The requester's other
        conversations cost a search, made only when an escalation asks for them."""
        conv = self._read(lambda: self.client.conversations.find(
            str(ticket_id), display_as="plaintext", request_options=NO_SDK_RETRIES))
        return Snapshot(self._ticket(conv), None)

    def requester_history(self, requester_id: str, days: int = 90, exclude: str = "") -> list[TicketSummary]:
        from datetime import datetime, timedelta, timezone
        since = datetime.now(timezone.utc) - timedelta(days=days)
        query = SingleFilterSearchRequest(field="contact_ids", operator="=", value=str(requester_id))
        pager = self._read(lambda: self.client.conversations.search(query=query, request_options=NO_SDK_RETRIES))
        found = []
        for conv in list(pager.items or []):
            created = _iso(conv.created_at)
            if str(conv.id) == str(exclude) or not created or created < since.strftime("%Y-%m-%dT%H:%M:%SZ"):
                continue
            tags = _tag_names(conv)
            state = {"closed": "solved", "snoozed": "hold"}.get(str(conv.state or ""), "open")
            category = next((t.removeprefix("deskhand_") for t in tags if t.startswith("deskhand_")
                             and t not in ("deskhand_replied", "deskhand_drafted", "deskhand_escalated")
                             and not MARKER.match(t)), "")
            found.append(TicketSummary(id=str(conv.id), subject=_subject(conv), status=state,
                                       created_at=created, category=category, outcome=outcome_of(state, tags)))
        return sorted(found, key=lambda t: t.created_at, reverse=True)

    def contact(self, contact_id: str) -> dict:
        """The contact's attributes (email, name, custom attributes), for context lookups."""
        found = self._read(lambda: self.client.contacts.find(str(contact_id), request_options=NO_SDK_RETRIES))
        return found.dict() if hasattr(found, "dict") else dict(found)

    def companies(self, contact_id: str) -> list[dict]:
        """The companies the contact belongs to, with their attributes (plan, spend, custom)."""
        listing = self._read(lambda: self.client.contacts.list_attached_companies(
            str(contact_id), request_options=NO_SDK_RETRIES))
        return [c.dict() for c in list(listing.items or [])]

    def _ticket(self, conv) -> Ticket:
        bot, source = self.bot_user_id(), conv.source
        author = source.author if source else None
        requester = Requester(id=str(getattr(author, "id", "") or ""), email=getattr(author, "email", "") or "",
                              name=getattr(author, "name", "") or "") \
            if author is not None and str(getattr(author, "type", "")) in CUSTOMER else Requester(id=_first_contact(conv))

        def role(part_author) -> str:
            kind, who = str(getattr(part_author, "type", "")), str(getattr(part_author, "id", ""))
            return "bot" if kind == "admin" and who == bot else "customer" if kind in CUSTOMER else "agent"

        markers: list[str] = []
        comments = []
        if source is not None and (source.body or "").strip():
            comments.append(Comment(id=str(source.id), author_id=str(getattr(author, "id", "")), role=role(author),
                                    public=True, body=source.body or "", created_at=_iso(conv.created_at)))
        parts = conv.conversation_parts.conversation_parts if conv.conversation_parts else []
        for part in parts or []:
            if str(part.part_type) not in TEXT_PARTS or not (part.body or "").strip():
                continue  # assignments, state changes, tag events: not messages
            body, hidden = reveal(part.body)
            if role(part.author) == "bot":
                markers += hidden  # only the bot's own parts can mark a write as done
            comments.append(Comment(id=str(part.id), author_id=str(getattr(part.author, "id", "")),
                                    role=role(part.author), public=str(part.part_type) == "comment",
                                    body=body, created_at=_iso(part.created_at)))
        return Ticket(
            platform=self.platform, id=str(conv.id), subject=_subject(conv),
            status=str(conv.state or ""), requester=requester, comments=tuple(comments),
            tags=tuple(_tag_names(conv)) + tuple(markers), channel=str(getattr(source, "type", "") or ""),
            page_url=str(getattr(source, "url", "") or ""),  # where the conversation was started (B2)
            assignee_id=str(conv.admin_assignee_id or ""), group_id=str(conv.team_assignee_id or ""),
            created_at=_iso(conv.created_at), updated_at=_iso(conv.updated_at))

    def team_id(self, name: str) -> str:
        if self._teams is None:
            listed = self._read(lambda: self.client.teams.list(request_options=NO_SDK_RETRIES))
            self._teams = {t.name: str(t.id) for t in listed.teams or []}
        return self._teams.get(name, "")

    # -- writes --------------------------------------------------------------------------------

    def write(self, ticket_id: str, update: TicketUpdate) -> str:
        """Tags, team, then the reply (`comment` when public, else `note`) carrying the marker.
        Returns the new part's id. `expected_updated_at` is not enforced: Intercom has no
        conditional write; the pipeline's guards on a fresh snapshot are the protection."""
        admin = self.bot_user_id()
        markers = [t for t in update.add_tags if MARKER.match(t)]
        for name in (t for t in update.add_tags if not MARKER.match(t)):
            tag_id = self._tag_id(name)
            _write(lambda: self.client.tags.tag_conversation(
                str(ticket_id), tag_id=tag_id, admin_id=admin, request_options=NO_SDK_RETRIES))
        if update.group_name:
            team = self.team_id(update.group_name)
            if team:
                _write(lambda: self.client.conversations.manage(str(ticket_id), request=ConversationsManageRequestBody_Assignment(
                    type="team", admin_id=admin, assignee_id=team), request_options=NO_SDK_RETRIES))
        body = update.body + "".join(hide(m) for m in markers)
        conv = _write(lambda: self.client.conversations.reply(str(ticket_id), request=AdminReplyConversationRequest(
            message_type="comment" if update.public else "note", admin_id=admin, body=body),
            request_options=NO_SDK_RETRIES))
        parts = conv.conversation_parts.conversation_parts if getattr(conv, "conversation_parts", None) else []
        mine = [p for p in parts or [] if str(getattr(p.author, "id", "")) == admin and str(p.part_type) in TEXT_PARTS]
        return str(mine[-1].id) if mine else ""

    def _tag_id(self, name: str) -> str:
        with self._lock:
            if name not in self._tags:
                tag = _write(lambda: self.client.tags.create(
                    request=CreateOrUpdateTagRequest(name=name), request_options=NO_SDK_RETRIES))
                self._tags[name] = str(tag.id)  # create-or-update by name: safe to repeat
            return self._tags[name]


def _write(fn):
    """One write, translated into the connector error tree, never retried here."""
    from intercom.core.api_error import ApiError
    import httpx
    try:
        return fn()
    except (ApiError, httpx.HTTPError) as exc:
        raise _translate(exc) from None


def _tag_names(conv) -> list[str]:
    tags = getattr(conv, "tags", None)
    return [str(t.name) for t in (getattr(tags, "tags", None) or [])]


def _subject(conv) -> str:
    return str(conv.title or getattr(conv.source, "subject", "") or "").strip() if conv else ""


def _first_contact(conv) -> str:
    contacts = getattr(getattr(conv, "contacts", None), "contacts", None) or []
    return str(contacts[0].id) if contacts else ""


__all__ = ["IntercomHelpdesk", "ConnectorError", "hide", "reveal"]
