"""Zendesk's incremental exports and per-ticket comment reads, paced by a client-side budget.

The backlog sweep and the history replay read thousands of tickets, so they need what zenpy's
generators hide: the page boundaries and the export cursor (saved after each page so a killed
sweep resumes where it stopped), the count of calls and 429s, and a pace set *below* the
account's limit rather than discovered by hitting it. So this module uses the Zenpy client's
session (its authentication and the sandbox's ZENPY_FORCE_* address) and builds the few URLs
itself, following the absolute `after_url`/`next_page` links Zendesk returns, as zenpy does.

Zendesk's limits (../shared/reference/helpdesk-platforms.md A3): a per-account requests/minute
limit (Team 200 … Enterprise 700) and 10 requests/minute on the incremental exports; over either,
429 with `Retry-After` in seconds. Two token buckets pace the calls; a 429 still honoured.
"""
from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone

import requests

from .errors import ConnectorError, RateLimited, Unavailable, from_status
from .types import Comment, Requester, Ticket

TIMEOUT_S = 30          # an export page of 1,000 tickets is a large response
TRANSIENT_TRIES = 3     # reads are safe to repeat after a connection error or a 5xx
MAX_WAIT_S = 600.0      # total Retry-After we sit through before giving up on a sweep


class RateBudget:
    """A token bucket: `per_minute` calls a minute, with a burst of one sixtieth of that.

    The small burst is the point: Zendesk counts calls in a sliding minute, and a bucket that
    starts full with a whole minute's tokens could spend them at once and then its refill on
    top, double the limit inside one window. With a 1/60 burst the most any window sees is
    61/60 of the budget, so a budget of 97 % of the plan's limit never draws a 429.
    `minute_s` shrinks the minute for benchmarks against a time-scaled sandbox. A 429's
    Retry-After stops every caller until it has passed. 0 per minute: no pacing.
    """

    def __init__(self, per_minute: float, minute_s: float = 60.0, clock=time.monotonic,
                 sleep=time.sleep):
        self.per_minute = float(per_minute)
        self.rate = self.per_minute / minute_s if per_minute > 0 else 0.0  # tokens per second
        self.capacity = max(1.0, self.per_minute / 60.0)
        self.tokens = self.capacity
        self.clock, self.sleep = clock, sleep
        self.last = clock()
        self.blocked_until = 0.0
        self.waited_s = 0.0
        self._lock = threading.Lock()

    def take(self) -> None:
        """Wait until one call may be made, and count it."""
        if self.rate <= 0 and not self.blocked_until:
            return
        with self._lock:  # held while sleeping: the next caller would wait for the same token
            while True:
                now = self.clock()
                if now < self.blocked_until:
                    wait = self.blocked_until - now
                elif self.rate <= 0:
                    return
                else:
                    self.tokens = min(self.capacity, self.tokens + (now - self.last) * self.rate)
                    self.last = now
                    if self.tokens >= 1.0:
                        self.tokens -= 1.0
                        return
                    wait = (1.0 - self.tokens) / self.rate
                self.waited_s += wait
                self.sleep(wait)

    def hold(self, seconds: float) -> None:
        """The server said "retry after `seconds`": nobody calls before then, and no saved-up
        burst is spent the moment it ends."""
        with self._lock:
            now = self.clock()
            self.blocked_until = max(self.blocked_until, now + seconds)
            self.tokens, self.last = 0.0, max(self.last, self.blocked_until)


@dataclass(frozen=True)
class TicketPage:
    tickets: list[dict]
    users: dict[int, dict]
    after_cursor: str
    end_of_stream: bool


@dataclass(frozen=True)
class EventPage:
    events: list[dict]
    end_time: int
    end_of_stream: bool
    next_page: str  # the server's link to the next page (followed verbatim, as zenpy does)


class ZendeskExport:
    def __init__(self, client, budget: RateBudget | None = None, export_budget: RateBudget | None = None,
                 max_wait_s: float = MAX_WAIT_S, sleep=time.sleep):
        self.session = client.tickets.session  # zenpy's: authenticated, one connection pool
        self.client = client
        self.budget = budget or RateBudget(0)
        self.export_budget = export_budget or RateBudget(0)
        self.max_wait_s, self.sleep = max_wait_s, sleep
        self.calls = 0
        self.rate_limited = 0
        self.retry_after_s = 0.0

    def base_url(self) -> str:
        # read at every call, like zenpy, so the sandbox address may be set after construction
        scheme = os.environ.get("ZENPY_FORCE_SCHEME", "https")
        return f"{scheme}://{self.client.tickets.base_url}/api/v2"

    # -- reads -------------------------------------------------------------------------------

    def ticket_page(self, start_time: int | None = None, cursor: str = "", per_page: int = 1000,
                    include_users: bool = False) -> TicketPage:
        """One page of the cursor-based ticket export: from `start_time` (unix seconds) on the
        first call, then from the `after_cursor` of the page before."""
        params: dict = {"per_page": per_page}
        if cursor:
            params["cursor"] = cursor
        else:
            params["start_time"] = int(start_time or 0)
        if include_users:
            params["include"] = "users"
        body = self._get(f"{self.base_url()}/incremental/tickets/cursor.json", params, export=True)
        users = {int(u["id"]): u for u in body.get("users") or [] if u.get("id") is not None}
        return TicketPage(list(body.get("tickets") or []), users, str(body.get("after_cursor") or ""),
                          bool(body.get("end_of_stream")))

    def ticket_events(self, start_time: int = 0, next_page: str = "", per_page: int = 1000) -> EventPage:
        """One page of the time-based ticket event export with the comments sideloaded: the
        bulk way to read comment text (one call per 1,000 events instead of one per ticket).
        The first page from `start_time`, later ones from the previous page's `next_page`."""
        if next_page:
            body = self._get(next_page, None, export=True)
        else:
            body = self._get(f"{self.base_url()}/incremental/ticket_events.json",
                             {"start_time": int(start_time), "include": "comment_events", "per_page": per_page},
                             export=True)
        return EventPage(list(body.get("ticket_events") or []), int(body.get("end_time") or start_time),
                         bool(body.get("end_of_stream")), str(body.get("next_page") or ""))

    def comments(self, ticket_id) -> list[dict]:
        """Every comment of one ticket, oldest first (a page holds 100; most tickets need one)."""
        url, params, found = f"{self.base_url()}/tickets/{int(ticket_id)}/comments.json", {"page[size]": 100}, []
        while url:
            body = self._get(url, params)
            found += body.get("comments") or []
            more = (body.get("meta") or {}).get("has_more")
            url, params = ((body.get("links") or {}).get("next") if more else None), None
        return found

    # -- transport ---------------------------------------------------------------------------

    def _get(self, url: str, params: dict | None, export: bool = False) -> dict:
        waited, transient = 0.0, 0
        while True:
            if export:
                self.export_budget.take()
            self.budget.take()
            try:
                response = self.session.get(url, params=params, timeout=TIMEOUT_S)
            except requests.RequestException as exc:
                transient += 1
                if transient >= TRANSIENT_TRIES:
                    raise Unavailable(f"zendesk unreachable: {exc.__class__.__name__}: {exc}") from None
                self.sleep(2 ** (transient - 1))
                continue
            self.calls += 1
            if response.status_code == 429:
                retry_after = _retry_after(response)
                self.rate_limited += 1
                self.retry_after_s += retry_after
                waited += retry_after
                if waited > self.max_wait_s:
                    raise RateLimited(f"zendesk kept answering 429 for {waited:.0f} s", retry_after)
                # the response does not say which limit it was, so every call waits it out
                self.budget.hold(retry_after)
                if export:
                    self.export_budget.hold(retry_after)
                continue
            if response.status_code >= 500 and transient + 1 < TRANSIENT_TRIES:
                transient += 1
                self.sleep(2 ** (transient - 1))
                continue
            if response.status_code >= 400:
                raise from_status(response.status_code, f"zendesk {response.status_code} on "
                                  f"{url.split('/api/v2', 1)[-1]}: {response.text[:200]}")
            try:
                return response.json()
            except ValueError:
                raise ConnectorError(f"zendesk answered {url} with something that is not JSON") from None


def _retry_after(response) -> float:
    """Zendesk always sends Retry-After with a 429; without one, a minute is the safe guess."""
    value = response.headers.get("Retry-After", "")
    try:
        return max(0.0, float(value))
    except ValueError:
        return 60.0


# -- JSON → domain values (the same roles as connectors/zendesk.py) ------------------------------

def unix(value) -> float:
    """Zendesk's ISO time (or unix seconds) → unix seconds; 0 when missing."""
    if value in (None, ""):
        return 0.0
    if isinstance(value, (int, float)):
        return float(value)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()


def iso(ts: float) -> str:
    return datetime.fromtimestamp(int(ts), tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def comments_from_events(events: list[dict]) -> dict[str, list[dict]]:
    """Comment child events by ticket id, shaped like the comments endpoint's items."""
    found: dict[str, list[dict]] = {}
    for event in events:
        for child in event.get("child_events") or []:
            if child.get("event_type") == "Comment" and "author_id" in child:
                found.setdefault(str(event.get("ticket_id")), []).append({
                    "id": child.get("id"), "author_id": child.get("author_id"),
                    "public": child.get("public", child.get("comment_public", True)),
                    "body": child.get("body") or "", "created_at": child.get("created_at") or event.get("created_at")})
    return found


def to_ticket(raw: dict, comments: list[dict], bot_id: str, page_url_field_id: str = "",
              users: dict | None = None) -> Ticket:
    requester_id = str(raw.get("requester_id") or "")
    user = (users or {}).get(raw.get("requester_id")) or {}

    def role(author_id: str) -> str:
        return "bot" if author_id == bot_id else "customer" if author_id == requester_id else "agent"

    ordered = sorted(comments, key=lambda c: (unix(c.get("created_at")), int(c.get("id") or 0)))
    fields = tuple((str(f.get("id")), f.get("value")) for f in raw.get("custom_fields") or [] if isinstance(f, dict))
    page = dict(fields).get(page_url_field_id) if page_url_field_id else None
    via = raw.get("via") or {}
    return Ticket(
        platform="zendesk", id=str(raw["id"]), subject=raw.get("subject") or "", status=raw.get("status") or "",
        requester=Requester(id=requester_id, email=user.get("email") or "", name=user.get("name") or ""),
        comments=tuple(Comment(id=str(c.get("id")), author_id=str(c.get("author_id")), role=role(str(c.get("author_id"))),
                               public=bool(c.get("public", True)), body=c.get("plain_body") or c.get("body") or "",
                               created_at=str(c.get("created_at") or "")) for c in ordered),
        tags=tuple(raw.get("tags") or ()), custom_fields=fields, channel=str(via.get("channel") or ""),
        page_url=page.strip() if isinstance(page, str) else "", assignee_id=str(raw.get("assignee_id") or ""),
        group_id=str(raw.get("group_id") or ""), created_at=str(raw.get("created_at") or ""),
        updated_at=str(raw.get("updated_at") or ""))
