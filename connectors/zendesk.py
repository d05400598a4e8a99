"""Zendesk through zenpy. The only module that knows Zendesk's API.

Reads go through zenpy's object cache, which we purge before every snapshot: the
webhook is only a trigger, and a cached ticket would be a stale truth. We keep the
cache on for one reason: the users sideloaded with the ticket land in it, so the
requester's name costs no extra call.
"""
from __future__ import annotations

import itertools
import os
from datetime import datetime, timedelta, timezone
from urllib.parse import urlparse

import requests
from zenpy import Zenpy
from zenpy.lib.api_objects import Comment as ZComment
from zenpy.lib.api_objects import Ticket as ZTicket
from zenpy.lib.exception import APIException, RatelimitBudgetExceeded, ZenpyException

from .errors import ConnectorError, RateLimited, Unavailable, from_status
from .types import Comment, Requester, Snapshot, Ticket, TicketSummary, TicketUpdate, outcome_of

TIMEOUT_S = 10  # explicit: zenpy has none by default
HISTORY_DAYS = 90
HISTORY_PAGE = 100


class ZendeskHelpdesk:
    platform = "zendesk"
    display_name = "Zendesk"

    def __init__(self, subdomain: str, email: str, token: str, base_url: str = "",
                 bot_user_id: str = "", page_url_field_id: str = "", category_field_id: str = "",
                 ratelimit_budget: int = 120):
        if base_url:
            # zenpy's documented switch for a non-zendesk.com host (the sandbox).
            parsed = urlparse(base_url)
            os.environ["ZENPY_FORCE_NETLOC"] = parsed.netloc
            os.environ["ZENPY_FORCE_SCHEME"] = parsed.scheme or "https"
        self.client = Zenpy(subdomain=subdomain, email=email, token=token, timeout=TIMEOUT_S,
                            ratelimit_budget=ratelimit_budget)
        self.subdomain = subdomain
        self.agent_url = (base_url.rstrip("/") if base_url else f"https://{subdomain}.zendesk.com") + "/agent/tickets/"
        self._bot_user_id = bot_user_id
        self._groups: dict[str, str] | None = None
        self.page_url_field_id = page_url_field_id
        self.category_field_id = category_field_id

    # -- reads ---------------------------------------------------------------------------------

    def ticket_link(self, ticket_id: str) -> str:
        """Where an agent opens the ticket (for alerts and bug reports)."""
        return f"{self.agent_url}{ticket_id}"

    def bot_user_id(self) -> str:
        if not self._bot_user_id:
            self._bot_user_id = str(_call(self.client.users.me).id)
        return self._bot_user_id

    def signed_in_as(self) -> str:
        me = _call(self.client.users.me)
        return f"{self.subdomain}: signed in as {me.email or me.name}"

    def snapshot(self, ticket_id: str, requester_id: str = "") -> Snapshot:
        """Two reads: the ticket (with its requester's other tickets when the event named the
        requester) and its comments. Reading the ticket from the requester's ticket list,
        newest first, gives the escalation note its history at no extra call."""
        self.client.purge_cache("ticket")
        self.client.purge_cache("user")
        zt, history = None, None
        if requester_id.isdigit():
            listed = self._requested(int(requester_id))
            zt = next((t for t in listed if str(t.id) == str(ticket_id)), None)
            if zt is not None:
                history = tuple(self._summaries(listed, exclude=ticket_id))
        if zt is None:  # requester unknown or changed: read the ticket itself
            zt = _call(self.client.tickets, id=int(ticket_id), include=["users"])
        zcomments = _call(lambda: list(self.client.tickets.comments(ticket=int(ticket_id))))
        return Snapshot(self._ticket(zt, zcomments), history)

    def requester_history(self, requester_id: str, days: int = HISTORY_DAYS,
                          exclude: str = "") -> list[TicketSummary]:
        return self._summaries(self._requested(int(requester_id)), exclude, days)

    def _requested(self, requester_id: int) -> list:
        """The requester's tickets, most recently updated first: one page, one call."""
        # zenpy's `users.requested` cannot ask for an order, so we use its endpoint directly, through
        # the tickets API: zenpy reads a sideloaded response as that API's own type, and through the
        # users API it would hand back the sideloaded users instead of the tickets.
        endpoint = self.client.users.endpoint.requested
        pages = _call(self.client.tickets._query_zendesk, endpoint, "ticket", id=requester_id,
                      sort="-updated_at", cursor_pagination=HISTORY_PAGE, include="users")
        return _call(lambda: list(itertools.islice(pages, HISTORY_PAGE)))

    def _summaries(self, tickets: list, exclude: str = "", days: int = HISTORY_DAYS) -> list[TicketSummary]:
        since = datetime.now(timezone.utc) - timedelta(days=days)
        found = []
        for zt in tickets:
            created = _iso(zt.created_at)
            if str(zt.id) == str(exclude) or not created or _parse(created) < since:
                continue
            category = next((str(f["value"]) for f in (zt.custom_fields or [])
                             if str(f["id"]) == self.category_field_id and f.get("value")), "")
            found.append(TicketSummary(id=str(zt.id), subject=zt.subject or "", status=zt.status or "",
                                       created_at=created, category=category,
                                       outcome=outcome_of(zt.status or "", tuple(zt.tags or ()))))
        return sorted(found, key=lambda t: t.created_at, reverse=True)

    def _ticket(self, zt, zcomments) -> Ticket:
        requester_id, bot = str(zt.requester_id), self.bot_user_id()
        user = self.client.cache.get("user", zt.requester_id)  # from the sideload: no call

        def role(author_id: str) -> str:
            return "bot" if author_id == bot else "customer" if author_id == requester_id else "agent"

        comments = tuple(
            Comment(id=str(c.id), author_id=str(c.author_id), role=role(str(c.author_id)),
                    public=bool(c.public), body=c.plain_body or c.body or "",
                    created_at=_iso(c.created_at))
            for c in zcomments)
        fields = tuple((str(f["id"]), f.get("value")) for f in (zt.custom_fields or []))
        return Ticket(
            platform=self.platform, id=str(zt.id), subject=zt.subject or "", status=zt.status or "",
            requester=Requester(id=requester_id, email=getattr(user, "email", "") or "",
                                name=getattr(user, "name", "") or ""),
            comments=comments, tags=tuple(zt.tags or ()), custom_fields=fields,
            channel=_channel(zt.via), page_url=self._page_url(fields),
            assignee_id=str(zt.assignee_id or ""), group_id=str(zt.group_id or ""),
            created_at=_iso(zt.created_at), updated_at=_iso(zt.updated_at), rating=_rating(zt))

    def _page_url(self, fields: tuple) -> str:
        """The page the customer was on, from the ticket field set up for it (`page_url_field_id`).
        Zendesk keeps no page address of its own: a Web Widget ticket's via source says only
        `rel: zendesk_widget` (Via object reference, developer.zendesk.com/documentation/ticketing/
        reference-guides/via-object-reference; ../shared/reference/helpdesk-platforms.md A2 knows only
        `via.channel` and the via types). The widget's contact form can prefill a ticket field with the
        page (Contact Form API, developer.zendesk.com/api-reference/widget/contact_form), and that is
        the field read here. A product URL pasted into the message is found by app/knowledge/page_map.py."""
        value = dict(fields).get(self.page_url_field_id) if self.page_url_field_id else None
        return value.strip() if isinstance(value, str) else ""

    def group_id(self, name: str) -> str:
        if self._groups is None:
            self._groups = {g.name: str(g.id) for g in _call(lambda: list(self.client.groups()))}
        return self._groups.get(name, "")

    # -- writes --------------------------------------------------------------------------------

    def write(self, ticket_id: str, update: TicketUpdate) -> str:
        """One PUT carrying the comment, the tags, the group and the status, so they land together.

        Never retried here: a PUT that may have landed is resolved by the caller
        reading the ticket for the marker tag (zenpy only repeats it after a 429,
        which Zendesk sends before doing anything).
        """
        ticket = ZTicket(id=int(ticket_id),
                         comment=ZComment(body=update.body, public=bool(update.public)),
                         additional_tags=list(update.add_tags))
        if update.group_name:
            group = self.group_id(update.group_name)
            if group:
                ticket.group_id = int(group)
        if update.priority:
            ticket.priority = update.priority
        if update.status:  # Deskhand speaks Zendesk's statuses (pending, solved)
            ticket.status = update.status
        if update.expected_updated_at:
            ticket.safe_update = True
            ticket.updated_stamp = update.expected_updated_at
        audit = _call(self.client.tickets.update, ticket)
        return str(getattr(getattr(audit, "audit", None), "id", "") or "")

    # -- the app backend -----------------------------------------------------------------------

    def user_role(self, user_id: str, ttl_s: float = 300) -> str:
        """The user's Zendesk role (`end-user`, `agent` or `admin`), for the app backend's access
        checks. Kept `ttl_s` (five minutes), so opening tickets costs no call each time while a demoted
        admin loses access soon; zenpy's own user cache never expires, so it is bypassed."""
        import threading
        import time
        # the web app shares one connector between request threads; setdefault is atomic
        lock = self.__dict__.setdefault("_roles_lock", threading.Lock())
        roles = self.__dict__.setdefault("_roles", {})
        with lock:
            hit = roles.get(str(user_id))
            if hit and hit[1] > time.monotonic():
                return hit[0]
            self.client.cache.mapping.get("user", {}).pop(int(user_id), None)
            role = str(_call(self.client.users, id=int(user_id)).role or "")
            roles[str(user_id)] = (role, time.monotonic() + ttl_s)
            return role


def _call(fn, *args, **kwargs):
    """Run a zenpy call and translate every failure into the connector error tree."""
    try:
        return fn(*args, **kwargs)
    except APIException as exc:
        response = getattr(exc, "response", None)
        status = getattr(response, "status_code", 0) or 0
        retry_after = None
        if response is not None and response.headers.get("Retry-After", "").isdigit():
            retry_after = float(response.headers["Retry-After"])
        raise from_status(status, f"zendesk {status}: {str(exc)[:300]}", retry_after) from None
    except RatelimitBudgetExceeded as exc:
        raise RateLimited(f"zendesk rate limit budget exhausted: {exc}", 60.0) from None
    except requests.RequestException as exc:
        raise Unavailable(f"zendesk unreachable: {exc.__class__.__name__}: {exc}") from None
    except ZenpyException as exc:
        raise ConnectorError(f"zendesk client error: {exc}") from None


def _channel(via) -> str:
    """`web`, `email`, …, with the source's `rel` when Zendesk gives one (`web/zendesk_widget`)."""
    channel = str(getattr(via, "channel", "") or "")
    source = getattr(via, "source", None)
    rel = source.get("rel") if isinstance(source, dict) else getattr(source, "rel", None)
    return f"{channel}/{rel}" if channel and rel else channel


def _iso(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(value)


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _rating(zt) -> str:
    """The CSAT score (good, bad, offered, unoffered) or ""; zenpy gives the object or a dict."""
    found = getattr(zt, "satisfaction_rating", None)
    score = found.get("score") if isinstance(found, dict) else getattr(found, "score", None)
    return str(score or "")
