"""In-memory helpdesk state: users, organizations, groups, tickets, comments, articles.

One `RLock` guards everything, so a ticket update (comment + tags + fields) is
atomic as seen by any other request. Reads hand out deep copies so callers can
never mutate the store behind the lock's back.
"""
from __future__ import annotations

import copy
import threading
from collections import Counter

from . import shapes


class ApiError(Exception):
    """An error that the HTTP layer turns into Zendesk's JSON error shape."""

    def __init__(self, status: int, error: str, description: str, details=None):
        super().__init__(f"{status} {error}: {description}")
        self.status, self.error, self.description, self.details = status, error, description, details

    def body(self) -> dict:
        out = {"error": self.error}
        if self.description:
            out["description"] = self.description
        if self.details:
            out["details"] = self.details
        return out


def not_found() -> ApiError:
    return ApiError(404, "RecordNotFound", "Not found")


def invalid(field: str, message: str) -> ApiError:
    return ApiError(422, "RecordInvalid", "Record validation errors",
                    {field: [{"description": message}]})


class Store:
    def __init__(self, account: dict | None = None, clock=shapes.now):
        self.lock = threading.RLock()
        self.clock = clock
        self.account = dict(account or {})
        self.users: dict[int, dict] = {}
        self.organizations: dict[int, dict] = {}
        self.groups: dict[int, dict] = {}
        self.tickets: dict[int, dict] = {}
        self.comments: dict[int, list[dict]] = {}
        self.articles: dict[int, dict] = {}
        # Global change sequence: the incremental cursor export orders by it, so a
        # ticket changed after a client's cursor shows up again (as Zendesk does).
        self.ticket_seq: dict[int, int] = {}
        self._seq = 0
        self._next_id = {"ticket": 1, "event": 1_000_000_001, "user": 1}
        self.request_log: list[dict] = []
        self.call_counts: Counter = Counter()

    # ---- ids and time ---------------------------------------------------------

    def next_id(self, kind: str) -> int:
        """Monotonic ids; 'event' is shared by comments, audits and audit events."""
        with self.lock:
            value = self._next_id[kind]
            self._next_id[kind] = value + 1
            return value

    def reserve_ticket_ids(self, upto: int) -> None:
        """Make sure new tickets get ids above `upto` (seed and stream ids)."""
        with self.lock:
            self._next_id["ticket"] = max(self._next_id["ticket"], upto + 1)

    def now_iso(self) -> str:
        return shapes.iso(self.clock())

    def touch(self, ticket: dict) -> None:
        """Bump updated_at so that it strictly changes on every write (safe_update
        compares it), and give the ticket a fresh change sequence number."""
        prev = shapes.parse_iso(ticket.get("updated_at")) or 0
        ticket["updated_at"] = shapes.iso(max(int(self.clock()), int(prev) + 1))
        self._seq += 1
        self.ticket_seq[ticket["id"]] = self._seq

    # ---- inserts (seed, generate, create) -------------------------------------

    def add_user(self, user: dict) -> None:
        with self.lock:
            self.users[int(user["id"])] = dict(user)
            self._next_id["user"] = max(self._next_id["user"], int(user["id"]) + 1)

    def add_organization(self, org: dict) -> None:
        with self.lock:
            self.organizations[int(org["id"])] = dict(org)

    def add_group(self, group: dict) -> None:
        with self.lock:
            self.groups[int(group["id"])] = dict(group)

    def add_article(self, article: dict) -> None:
        with self.lock:
            self.articles[int(article["id"])] = dict(article)

    def insert_ticket(self, ticket: dict, comments: list[dict]) -> dict:
        """Store a fully built ticket with its comments; its dates are kept as given."""
        with self.lock:
            tid = ticket["id"]
            if tid in self.tickets:
                raise ApiError(422, "RecordInvalid", f"Ticket {tid} already exists")
            self.tickets[tid] = ticket
            self.comments[tid] = list(comments)
            self.reserve_ticket_ids(tid)
            self._seq += 1
            self.ticket_seq[tid] = self._seq
            return copy.deepcopy(ticket)

    # ---- reads ------------------------------------------------------------------

    def user_by_email(self, email: str) -> dict | None:
        email = (email or "").strip().lower()
        with self.lock:
            for user in self.users.values():
                if (user.get("email") or "").lower() == email:
                    return copy.deepcopy(user)
        return None

    def get(self, table: str, record_id) -> dict:
        with self.lock:
            try:
                return copy.deepcopy(getattr(self, table)[int(record_id)])
            except (KeyError, ValueError, TypeError):
                raise not_found() from None

    def all(self, table: str) -> list[dict]:
        with self.lock:
            rows = getattr(self, table)
            return [copy.deepcopy(rows[k]) for k in sorted(rows)]

    def rows(self, table: str) -> list[dict]:
        """Stored records sorted by id, WITHOUT copying, for read-only use by the API.
        Safe because stored records are never mutated in place: writes build a new
        dict and swap it in. Much cheaper than `all()` for big lists."""
        with self.lock:
            rows = getattr(self, table)
            return [rows[k] for k in sorted(rows)]

    def ticket_comments(self, ticket_id: int) -> list[dict]:
        with self.lock:
            if ticket_id not in self.tickets:
                raise not_found()
            return copy.deepcopy(self.comments.get(ticket_id, []))

    def tickets_by_seq(self) -> list[tuple[int, dict]]:
        with self.lock:
            # No copies: see rows().
            return sorted(((self.ticket_seq[t], v) for t, v in self.tickets.items()),
                          key=lambda pair: pair[0])

    def is_staff(self, user_id) -> bool:
        with self.lock:
            user = self.users.get(int(user_id)) if user_id is not None else None
            return bool(user and user.get("role") in shapes.STAFF_ROLES)

    # ---- request log ------------------------------------------------------------

    def log_request(self, entry: dict, endpoint_key: str) -> None:
        with self.lock:
            self.request_log.append(entry)
            self.call_counts[endpoint_key] += 1

    def requests(self) -> list[dict]:
        with self.lock:
            return copy.deepcopy(self.request_log)

    def calls(self) -> dict:
        with self.lock:
            return dict(self.call_counts)
