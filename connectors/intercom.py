"""Intercom conversations through python-intercom: the Helpdesk role for Intercom. The only module
that knows Intercom's conversation API (reference B2, B3).

Reads go through the bounded retry of connectors/intercom_kb.py (the SDK retries nothing, B3);
writes are never retried: a reply that may have landed is resolved by the pipeline re-reading the
conversation for the write's marker.

Deskhand's tags. On Zendesk the marker `deskhand_<key>`, what Deskhand did, the category and the
flags of connectors/types.py ride as tags in the same PUT as the comment. Intercom has no
idempotency key, no call that adds a part and a tag, and attaches one tag per request (two or
three extra calls per write). So the tags travel inside the reply itself: the part's body ends
with them written in zero-width characters, invisible to the customer and the teammate and part
of the same request, so the reply and its tags land together or not at all (better than tags
written before the reply: a crash between the two can no longer leave a flag such as "asked for
the bug's details" on a conversation where the question never went out). `snapshot` reads them
back from the bot's own parts and reports them among the conversation's tags, which is where the
platform-neutral pipeline and its guards look. Should Intercom ever strip the characters, the
pipeline still finds a landed write by its text (app/pipeline/orchestrator.py).

Teammates can't filter on invisible text. With `label_attributes` (setting
`intercom_label_attributes`) the labels are also kept as conversation attributes
(`deskhand_action`, `deskhand_category`, one per flag), for inbox views and reports: one more
request per write (`PUT /conversations/{id}`, only for values the snapshot shows differ), the
attributes created in the workspace on first use (`/conversations/attributes`, once per process).

Statuses. Deskhand asks in Zendesk's words (connectors/types.py `TicketUpdate.status`); Intercom
has no pending or solved, so: `pending` (the customer was asked for something) snoozes the
conversation for `SNOOZE_DAYS`, the closest state: it leaves the inbox's open view and comes back
when the customer replies (Intercom reopens a snoozed conversation on a customer reply) or when the
snooze runs out, with no one having answered; `solved` closes it. Both through
`POST /conversations/{id}/parts` (`message_type` `snoozed` with `snoozed_until`, or `close`;
reference B2, spec `snooze_conversation_request`, `close_conversation_request`).

Write order: attributes, team assignment and the state (all idempotent: repeating them after a
crash changes nothing; the assignment and the state skipped when the snapshot shows them already),
then the reply, which is the commit point. The state goes first so that a state change that fails
leaves no reply behind it whose marker would tell the pipeline the whole write landed; a crash
after a close and before its note leaves a closed conversation, which the pipeline resumes
(app/pipeline/orchestrator.py `_closing_is_planned`).
"""
from __future__ import annotations

import re
import threading
import time

from intercom import (
    AdminReplyConversationRequest,
    MultipleFilterSearchRequest,
    SingleFilterSearchRequest,
    StartingAfterPaging,
)
from intercom.conversations import (
    ConversationsManageRequestBody_Assignment,
    ConversationsManageRequestBody_Close,
    ConversationsManageRequestBody_Snoozed,
)

from .errors import ConnectorError
from .intercom_kb import NO_SDK_RETRIES, TIMEOUT_S, IntercomArticles, _iso, _translate
from .types import ACTION_TAGS, FLAG_TAGS, Comment, Requester, Snapshot, Ticket, TicketSummary, TicketUpdate, outcome_of

CUSTOMER = {"user", "lead", "contact"}
TEXT_PARTS = {"comment", "note"}
MARKER = re.compile(r"^deskhand_[0-9a-f]{12}$")
ACTION, CATEGORY = "deskhand_action", "deskhand_category"
ATTRIBUTES = {  # conversation attribute -> its description in the workspace
    ACTION: "What Deskhand last did: replied, drafted, escalated or solved",
    CATEGORY: "What Deskhand took the customer's last message to be about",
    **{flag: f"yes: {flag.removeprefix('deskhand_').replace('_', ' ')} (set by Deskhand)" for flag in FLAG_TAGS}}
SEEN_LIMIT = 1000  # conversations whose last-read labels, team and state are remembered for the next write
SNOOZE_DAYS = 7  # a conversation waiting on the customer comes back to the inbox after this long
STATES = {"pending": "snoozed", "solved": "closed"}  # Deskhand's status -> Intercom's state
# A hidden tag: an invisible separator, then the tag's name in UTF-8, two bits per zero-width
# character (four per byte).
_ZW = "\u200b\u200c\u200d\u2060"
_START = "\u2063"
_HIDDEN = re.compile(_START + "([" + _ZW + "]+)")


def hide(tags) -> str:
    """Deskhand's tags (its marker, what it did, the category, flags) as invisible text."""
    out = []
    for tag in tags:
        data = tag.encode()
        out.append(_START + "".join(_ZW[(byte >> shift) & 3] for byte in data for shift in (6, 4, 2, 0)))
    return "".join(out)


def reveal(body: str) -> tuple[str, list[str]]:
    """The body without hidden tags, and the tags it carried (a mangled one is dropped)."""
    found = []
    for code in _HIDDEN.findall(body or ""):
        if len(code) % 4:
            continue
        bits = [_ZW.index(c) for c in code]
        data = bytes((bits[i] << 6) | (bits[i + 1] << 4) | (bits[i + 2] << 2) | bits[i + 3]
                     for i in range(0, len(bits), 4))
        try:
            found.append(data.decode())
        except UnicodeDecodeError:
            continue
    return _HIDDEN.sub("", body or ""), found


class IntercomHelpdesk:
    platform = "intercom"
    display_name = "Intercom"

    def __init__(self, token: str, base_url: str = "", admin_id: str = "", workspace_id: str = "",
                 timeout_s: float = TIMEOUT_S, label_attributes: bool = False):
        self.articles = IntercomArticles(token, base_url=base_url, timeout_s=timeout_s)
        self.client = self.articles.client
        self._admin_id, self._workspace_id = str(admin_id or ""), workspace_id
        self.label_attributes = label_attributes  # also keep the labels as conversation attributes
        self._attributes: set[str] | None = None
        self._teams: dict[str, str] | None = None
        self._seen: dict[str, tuple[dict, str]] = {}  # conversation id -> (attributes, team) last read
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

    def signed_in_as(self) -> str:
        me = self._read(lambda: self.client.admins.identify(request_options=NO_SDK_RETRIES))
        return f"workspace {self._workspace_id or '?'}: signed in as {getattr(me, 'email', '') or getattr(me, 'name', '')}"

    def ticket_link(self, ticket_id: str) -> str:
        return f"https://app.intercom.com/a/inbox/{self._workspace_id or '_'}/inbox/conversation/{ticket_id}"

    def snapshot(self, ticket_id: str, requester_id: str = "") -> Snapshot:
        """One read: the conversation with its parts (plain-text bodies). The requester's other
        conversations cost a search, made only when an escalation asks for them."""
        conv = self._read(lambda: self.client.conversations.find(
            str(ticket_id), display_as="plaintext", request_options=NO_SDK_RETRIES))
        with self._lock:  # what the next write to this conversation need not repeat
            self._seen.pop(str(conv.id), None)
            self._seen[str(conv.id)] = (dict(conv.custom_attributes or {}), str(conv.team_assignee_id or ""),
                                        str(conv.state or ""))
            while len(self._seen) > SEEN_LIMIT:
                self._seen.pop(next(iter(self._seen)))
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
            tags = _tag_names(conv) + tags_of(conv.custom_attributes)
            state = {"closed": "solved", "snoozed": "hold"}.get(str(conv.state or ""), "open")
            category = str((conv.custom_attributes or {}).get(CATEGORY) or "")
            found.append(TicketSummary(id=str(conv.id), subject=_subject(conv), status=state,
                                       created_at=created, category=category, outcome=outcome_of(state, tags)))
        return sorted(found, key=lambda t: t.created_at, reverse=True)

    def waiting(self, waited_before: int, since: int, per_page: int = 150,
                starting_after: str = "") -> tuple[list[dict], str]:
        """One page of open conversations whose customer has been waiting for a teammate since
        between `since` and `waited_before` (unix seconds; Intercom's `waiting_since`, cleared when
        an admin replies), for the backlog sweep."""
        return self._search([("state", "=", "open"), ("waiting_since", "<", int(waited_before)),
                             ("waiting_since", ">", int(since))], per_page, starting_after)

    def closed(self, since: int, per_page: int = 150, starting_after: str = "") -> tuple[list[dict], str]:
        """One page of closed conversations changed after `since` (unix seconds), for replays."""
        return self._search([("state", "=", "closed"), ("updated_at", ">", int(since))], per_page, starting_after)

    def _search(self, filters, per_page: int, starting_after: str) -> tuple[list[dict], str]:
        """Conversations matching every (field, operator, value), in the search's order, each as
        {id, state, updated_at, tags} (the parts need `snapshot`), and the next page's cursor ("" at
        the end)."""
        query = MultipleFilterSearchRequest(operator="AND", value=[
            SingleFilterSearchRequest(field=f, operator=op, value=v) for f, op, v in filters])
        paging = StartingAfterPaging(per_page=per_page, starting_after=starting_after or None)
        pager = self._read(lambda: self.client.conversations.search(
            query=query, pagination=paging, request_options=NO_SDK_RETRIES))
        pages = getattr(pager.response, "pages", None)
        after = getattr(getattr(pages, "next", None), "starting_after", None) or ""
        return [{"id": str(c.id), "state": str(c.state or ""), "updated_at": _iso(c.updated_at),
                 "tags": _tag_names(c) + tags_of(c.custom_attributes)} for c in pager.items or []], after

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
            if kind == "admin" and who == bot:
                return "bot"
            if kind in CUSTOMER:
                return "customer"
            if kind == "bot" and not (getattr(part_author, "from_ai_agent", False)
                                      or getattr(part_author, "is_ai_answer", False)):
                return "automation"  # Operator's scripted messages: nobody has taken the conversation
            return "agent"  # a teammate, or Fin answering: Deskhand stands down as for a person

        hidden_tags: list[str] = []
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
                hidden_tags += hidden  # only the bot's own parts can speak for Deskhand
            comments.append(Comment(id=str(part.id), author_id=str(getattr(part.author, "id", "")),
                                    role=role(part.author), public=str(part.part_type) == "comment",
                                    body=body, created_at=_iso(part.created_at)))
        return Ticket(
            platform=self.platform, id=str(conv.id), subject=_subject(conv),
            status=str(conv.state or ""), requester=requester, comments=tuple(comments),
            tags=tuple(dict.fromkeys(_tag_names(conv) + tags_of(conv.custom_attributes) + hidden_tags)),
            channel=str(getattr(source, "type", "") or ""),
            page_url=str(getattr(source, "url", "") or ""),  # where the conversation was started (B2)
            custom_fields=tuple((str(k), v) for k, v in (conv.custom_attributes or {}).items()),
            assignee_id=str(conv.admin_assignee_id or ""), group_id=str(conv.team_assignee_id or ""),
            created_at=_iso(conv.created_at), updated_at=_iso(conv.updated_at),
            rating=str(getattr(conv.conversation_rating, "rating", None) or ""))

    def team_id(self, name: str) -> str:
        if self._teams is None:
            listed = self._read(lambda: self.client.teams.list(request_options=NO_SDK_RETRIES))
            self._teams = {t.name: str(t.id) for t in listed.teams or []}
        return self._teams.get(name, "")

    # -- writes --------------------------------------------------------------------------------

    def write(self, ticket_id: str, update: TicketUpdate) -> str:
        """Labels as attributes when asked for (one PUT), the team, the state, then the reply
        (`comment` when public, else `note`) carrying every tag hidden. Returns the new part's id.
        `expected_updated_at` is not enforced: Intercom has no conditional write; the pipeline's
        guards on a fresh snapshot are the protection."""
        admin = self.bot_user_id()
        with self._lock:  # only the snapshot just before this write may spare a call
            seen_labels, seen_team, seen_state = self._seen.pop(str(ticket_id), (None, None, None))
        if self.label_attributes:
            labels = {name: value for name, value in labels_of(update.add_tags).items()
                      if seen_labels is None or seen_labels.get(name) != value}
            if labels:
                self._ensure_attributes(labels)
                _write(lambda: self.client.conversations.update(
                    str(ticket_id), custom_attributes=labels, request_options=NO_SDK_RETRIES))
        team = self.team_id(update.group_name) if update.group_name else ""
        if team and team != seen_team:
            _write(lambda: self.client.conversations.manage(str(ticket_id), request=ConversationsManageRequestBody_Assignment(
                type="team", admin_id=admin, assignee_id=team), request_options=NO_SDK_RETRIES))
        state = STATES.get(update.status, "")
        if update.status and not state:
            raise ConnectorError(f"intercom: no conversation state for status {update.status!r}")
        if state and state != seen_state:
            request = ConversationsManageRequestBody_Close(type="admin", admin_id=admin) if state == "closed" else \
                ConversationsManageRequestBody_Snoozed(admin_id=admin,
                                                      snoozed_until=int(time.time()) + SNOOZE_DAYS * 86400)
            _write(lambda: self.client.conversations.manage(str(ticket_id), request=request,
                                                            request_options=NO_SDK_RETRIES))
        body = update.body + hide(update.add_tags)
        conv = _write(lambda: self.client.conversations.reply(str(ticket_id), request=AdminReplyConversationRequest(
            message_type="comment" if update.public else "note", admin_id=admin, body=body),
            request_options=NO_SDK_RETRIES))
        parts = conv.conversation_parts.conversation_parts if getattr(conv, "conversation_parts", None) else []
        mine = [p for p in parts or [] if str(getattr(p.author, "id", "")) == admin and str(p.part_type) in TEXT_PARTS]
        return str(mine[-1].id) if mine else ""

    def _ensure_attributes(self, names) -> None:
        """Create the conversation attributes Deskhand writes that the workspace lacks (listed once
        per process). python-intercom 5 has no client for /conversations/attributes, so this goes
        through the SDK's own HTTP client, which carries the token, base URL and API version."""
        http = self.client._client_wrapper.httpx_client
        with self._lock:
            if self._attributes is None:
                listed = self._read(lambda: _json(http.request("conversations/attributes", method="GET",
                                                                request_options=NO_SDK_RETRIES)))
                self._attributes = {str(a.get("name")) for a in listed.get("data") or []}
            for name in sorted(set(names) - self._attributes):
                _write(lambda: _json(http.request("conversations/attributes", method="POST", json={
                    "name": name, "data_type": "string", "description": ATTRIBUTES[name]},
                    request_options=NO_SDK_RETRIES)))
                self._attributes.add(name)


def labels_of(tags) -> dict[str, str]:
    """The conversation attributes that stand for Deskhand's tags (markers excepted: they ride in
    the reply)."""
    actions = {tag: tag.removeprefix("deskhand_") for tag in ACTION_TAGS.values()}
    labels = {}
    for tag in tags:
        if MARKER.match(tag):
            continue
        if tag in actions:
            labels[ACTION] = actions[tag]
        elif tag in FLAG_TAGS:
            labels[tag] = "yes"
        else:
            labels[CATEGORY] = tag.removeprefix("deskhand_")
    return labels


def tags_of(attributes) -> list[str]:
    """The tags Deskhand's conversation attributes stand for (the inverse of `labels_of`)."""
    attributes = attributes or {}
    tags = [f"deskhand_{attributes[name]}" for name in (ACTION, CATEGORY) if attributes.get(name)]
    return tags + [flag for flag in FLAG_TAGS if attributes.get(flag) == "yes"]


def _json(response) -> dict:
    """A raw response from the SDK's HTTP client, failing as the SDK's own calls do (ApiError), so
    the read retry and the error translation treat it alike."""
    from intercom.core.api_error import ApiError
    try:
        body = response.json()
    except ValueError:
        body = response.text
    if response.status_code >= 300 or not isinstance(body, dict):
        raise ApiError(status_code=response.status_code, headers=dict(response.headers), body=body)
    return body


def _write(fn):
    """One write, translated into the connector error tree, never retried here."""
    import httpx
    from intercom.core.api_error import ApiError
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
