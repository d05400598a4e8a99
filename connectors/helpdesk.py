"""The role every helpdesk connector plays."""
from __future__ import annotations

from typing import Protocol

from .types import Article, Ticket, TicketSummary, TicketUpdate


class Helpdesk(Protocol):
    platform: str

    def bot_user_id(self) -> str: ...

    def snapshot(self, ticket_id: str) -> Ticket:
        """The ticket as it is now, with its comments."""

    def requester_history(self, requester_id: str, days: int = 90,
                          exclude: str = "") -> list[TicketSummary]: ...

    def write(self, ticket_id: str, update: TicketUpdate) -> str:
        """Apply one update (comment + tags + group) atomically; returns the remote audit id."""

    def articles(self) -> list[Article]: ...
