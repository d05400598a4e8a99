"""The Sandbox facade: seeded state + HTTP server + webhooks + demo controls.

Every ticket write (API or Python) goes through `apply_create`/`apply_update`,
which change the store under its lock and then queue webhooks, so webhooks
always describe committed state and are never sent from inside a request.
"""
from __future__ import annotations

import time
import uuid
from datetime import datetime

from . import shapes, ticket_ops
from .ratelimit import SlidingWindowLimiter
from .seed import custom_fields, ensure_user, generate_tickets, load_seed, staff_ids
from .state import ApiError, Store
from .webhooks import DEFAULT_SIGNING_SECRET, WebhookSender, build_event

ALL_EVENTS = frozenset({"ticket.created", "ticket.comment_added", "ticket.status_changed",
                        "ticket.custom_field_changed"})


class Sandbox:
    def __init__(self, store: Store | None = None, *, stream=(), history=(),
                 rate_limit_per_minute: int | None = None, updates_per_minute: int | None = None,
                 time_scale: float = 1.0, webhook_url: str | None = None,
                 signing_secret: str = DEFAULT_SIGNING_SECRET, export_lag_s: float = 60,
                 webhook_events=ALL_EVENTS, export_per_minute: int | None = None):
        self.store = store or Store()
        self.stream = list(stream)
        self.history = list(history)
        self.time_scale = time_scale
        self.api_limiter = SlidingWindowLimiter(rate_limit_per_minute, time_scale)
        self.update_limiter = SlidingWindowLimiter(updates_per_minute, time_scale)
        # Zendesk limits the incremental exports on their own (10 requests a minute; 30 with
        # the High Volume add-on), on top of the account's limit
        self.export_limiter = SlidingWindowLimiter(export_per_minute, time_scale)
        self.webhooks = WebhookSender(webhook_url, signing_secret)
        self.webhook_events = set(webhook_events)
        self.export_lag_s = export_lag_s
        self.url: str | None = None
        self._server = None
        self._played: dict[int, int] = {}       # stream id -> created ticket id

    @classmethod
    def from_seed(cls, seed_dir=None, *, rate_limit_per_minute: int | None = None,
                  updates_per_minute: int | None = None, time_scale: float = 1.0,
                  webhook_url: str | None = None, signing_secret: str = DEFAULT_SIGNING_SECRET,
                  export_lag_s: float = 60, webhook_events=ALL_EVENTS,
                  export_per_minute: int | None = None) -> "Sandbox":
        """Load `seed_dir` (default: sandbox/company next to this package)."""
        store = Store()
        seed = load_seed(store, seed_dir)
        return cls(store, stream=seed["stream"], history=seed["history"],
                   rate_limit_per_minute=rate_limit_per_minute,
                   updates_per_minute=updates_per_minute, time_scale=time_scale,
                   webhook_url=webhook_url, signing_secret=signing_secret,
                   export_lag_s=export_lag_s, webhook_events=webhook_events,
                   export_per_minute=export_per_minute)

    # ---- configuration that tests change on the fly ---------------------------

    @property
    def webhook_url(self):
        return self.webhooks.url

    @webhook_url.setter
    def webhook_url(self, url):
        self.webhooks.url = url

    @property
    def signing_secret(self):
        return self.webhooks.secret

    @signing_secret.setter
    def signing_secret(self, secret):
        self.webhooks.secret = secret

    @property
    def account(self) -> dict:
        return dict(self.store.account)

    @property
    def bot_user_id(self):
        return self.store.account.get("bot_user_id")

    # ---- serving --------------------------------------------------------------

    def start(self, host: str = "127.0.0.1", port: int = 0) -> "Sandbox":
        from .server import ServerThread
        if self._server is None:
            self._server = ServerThread(self, host, port)
            self._server.start()
            self.url = f"http://{host}:{self._server.port}"
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server, self.url = None, None
        self.webhooks.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # ---- writes + webhooks ----------------------------------------------------

    def apply_create(self, spec: dict, actor_id: int, channel: str = "api", **kw):
        change = ticket_ops.create_ticket(self.store, spec, actor_id, channel, **kw)
        self._emit(change)
        return change

    def apply_update(self, ticket_id: int, spec: dict, actor_id: int, channel: str = "api"):
        change = ticket_ops.update_ticket(self.store, ticket_id, spec, actor_id, channel)
        self._emit(change)
        return change

    def _emit(self, change) -> None:
        # Events from one user action share a sequence id, like Zendesk's event.meta.
        sequence, ticket, actor = str(uuid.uuid4()), change.ticket, change.actor_id
        events = []
        if change.created:
            events.append(("ticket.created", {}))
        if change.comment and not change.created:
            c, author = change.comment, self.store.get("users", change.comment["author_id"])
            events.append(("ticket.comment_added", {"comment": {
                "id": str(c["id"]), "body": c["body"], "is_public": c["public"],
                "author": {"id": str(author["id"]), "name": author.get("name"),
                           "is_staff": author.get("role") in shapes.STAFF_ROLES}}}))
        if change.status_from and not change.created:
            events.append(("ticket.status_changed", {"previous": change.status_from.upper(),
                                                     "current": ticket["status"].upper()}))
        if not change.created:
            for e in change.events:  # custom fields are named by their id in the audit's Change events
                if e.get("type") == "Change" and str(e.get("field_name", "")).isdigit():
                    events.append(("ticket.custom_field_changed", {
                        "current": e["value"], "previous": e["previous_value"],
                        "custom_field": {"id": str(e["field_name"]), "field_type": "text"}}))
        for pos, (kind, event) in enumerate(events, 1):
            if kind in self.webhook_events:
                event["meta"] = {"sequence": {"id": sequence, "position": pos,
                                              "total": len(events)}}
                self.webhooks.send(build_event(kind, ticket, actor, self.store.account.get(
                    "account_id"), event))

    # ---- demo controls ----------------------------------------------------------

    def play(self, ticket_ids=None) -> list[dict]:
        """Create stream tickets (all, or those ids) as new web tickets, now."""
        wanted = None if ticket_ids is None else {int(i) for i in ticket_ids}
        created = []
        for item in self.stream:
            sid = int(item["id"])
            if (wanted is not None and sid not in wanted) or sid in self._played:
                continue
            rid = ensure_user(self.store, item.get("requester"), item.get("organization_id"))
            spec = {"subject": item["subject"], "requester_id": rid,
                    "organization_id": item.get("organization_id"),
                    "tags": list(item.get("tags") or []),
                    # The stream's `category` is the expected answer (like `expect`),
                    # not something the customer picked, so the field starts empty.
                    "custom_fields": custom_fields(self.store.account, None,
                                                   item.get("page_url")),
                    "comment": {"body": item["body"], "public": True}}
            # A stream ticket with a page came through the Web Widget, whose contact form
            # fills the page-URL field with the page it was opened on; the rest through the web form.
            channel = "web/zendesk_widget" if item.get("page_url") else "web"
            change = self.apply_create(spec, rid, channel=channel, ticket_id=sid)
            self._played[sid] = change.ticket["id"]
            created.append(change.ticket)
        return created

    def _default_agent(self) -> int:
        agents = staff_ids(self.store)
        if not agents:
            raise ApiError(422, "RecordInvalid", "The seed has no agents")
        return agents[0]

    def customer_reply(self, ticket_id: int, body: str) -> dict:
        ticket = self.store.get("tickets", ticket_id)
        spec = {"comment": {"body": body, "public": True}, "status": "open"}
        return self.apply_update(ticket_id, spec, ticket["requester_id"], "web").comment

    def agent_reply(self, ticket_id: int, body: str, public: bool = True,
                    author_id: int | None = None) -> dict:
        actor = int(author_id or self._default_agent())
        spec = {"comment": {"body": body, "public": bool(public)}}
        return self.apply_update(ticket_id, spec, actor, "web").comment

    def set_status(self, ticket_id: int, status: str, actor_id: int | None = None) -> dict:
        actor = int(actor_id or self._default_agent())
        return self.apply_update(ticket_id, {"status": status}, actor, "web").ticket

    def rate(self, ticket_id: int, score: str, comment: str = "") -> dict:
        """The requester answers the satisfaction survey (`good` or `bad`). Zendesk has no webhook
        event for it; an admin's trigger on "Satisfaction changed" sends Deskhand's rating trigger
        body (app/intake/parse.py RATING_TRIGGER_TEMPLATE), which is what goes out here."""
        if score not in ("good", "bad"):
            raise ApiError(422, "RecordInvalid", "score must be good or bad")
        with self.store.lock:
            ticket = self.store.get("tickets", ticket_id)
            if ticket["status"] not in ("solved", "closed"):
                raise ApiError(422, "RecordInvalid", "only a solved ticket can be rated")
            ticket["satisfaction_rating"] = {"id": self.store.next_id("event"), "score": score,
                                             "comment": comment or None}
            self.store.touch(ticket)
            self.store.tickets[ticket["id"]] = ticket
        if self.webhook_url:
            self.webhooks.send({"deskhand_trigger": 1, "deskhand_event": "rated", "ticket_id": str(ticket["id"]),
                                "updated_at": ticket["updated_at"], "requester_id": str(ticket["requester_id"])})
        return ticket["satisfaction_rating"]

    def set_category(self, ticket_id: int, value: str, actor_id: int | None = None) -> dict:
        """An agent sets the ticket's category field (notifies ticket.custom_field_changed)."""
        field_id = int(self.store.account.get("category_field_id", 360001))
        actor = int(actor_id or self._default_agent())
        return self.apply_update(ticket_id, {"custom_fields": [{"id": field_id, "value": value}]}, actor, "web").ticket

    def generate(self, n: int, age_s: float = 0.0, mix: bool = False) -> list[int]:
        """Add `n` open tickets (no webhooks) for volume tests; `age_s` places them in the past
        and `mix` gives them a spread of states (see seed.generate_tickets)."""
        return generate_tickets(self.store, self.stream + self.history, n, age_s=age_s, mix=mix)

    # ---- read access ------------------------------------------------------------

    @property
    def tickets(self) -> dict[int, dict]:
        return {t["id"]: t for t in self.store.all("tickets")}

    def ticket(self, ticket_id: int) -> dict:
        return self.store.get("tickets", ticket_id)

    def comments(self, ticket_id: int) -> list[dict]:
        return self.store.ticket_comments(ticket_id)

    def waiting_on_bot(self, older_than_s: float = 0) -> set[str]:
        """The tickets a backlog sweep must find, from the sandbox's own records (never the sweep's
        code): open, no opt-out tag, no public reply by a human agent, and the newest public comment
        is the requester's and at least `older_than_s` old."""
        found = set()
        for tid, ticket in self.tickets.items():
            if ticket["status"] not in ("new", "open") or "deskhand_off" in ticket["tags"]:
                continue
            public = [c for c in self.comments(tid) if c["public"]]
            humans = [c for c in public if c["author_id"] not in (ticket["requester_id"], self.bot_user_id)]
            last = public[-1] if public else None
            if last and not humans and last["author_id"] == ticket["requester_id"] and \
                    time.time() - _timestamp(last["created_at"]) >= older_than_s:
                found.add(str(tid))
        return found

    @property
    def requests(self) -> list[dict]:
        return self.store.requests()

    def calls(self) -> dict:
        return self.store.calls()

    @property
    def webhook_deliveries(self) -> list[dict]:
        return list(self.webhooks.deliveries)

    def flush_webhooks(self, timeout: float = 10.0) -> bool:
        return self.webhooks.flush(timeout)

    def stats(self) -> dict:
        by_status: dict[str, int] = {}
        for t in self.store.all("tickets"):
            by_status[t["status"]] = by_status.get(t["status"], 0) + 1
        return {"url": self.url, "tickets": by_status, "calls": self.calls(),
                "requests": len(self.store.request_log), "played": sorted(self._played),
                "stream_size": len(self.stream), "webhooks": {
                    "url": self.webhook_url, "delivered": len(self.webhooks.deliveries),
                    "failed": sum(1 for d in self.webhooks.deliveries
                                  if not d["status"] or d["status"] >= 300)}}


def _timestamp(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()
