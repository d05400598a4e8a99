"""The role every helpdesk connector plays."""
from __future__ import annotations

from typing import Protocol

from .types import Snapshot, TicketSummary, TicketUpdate


class Helpdesk(Protocol):
    platform: str
    display_name: str  # "Zendesk": how the vendor is named to people

    def bot_user_id(self) -> str: ...

    def signed_in_as(self) -> str:
        """A live call: who the bot is signed in as, for status pages; raises when unreachable."""

    def ticket_link(self, ticket_id: str) -> str:
        """The ticket's address in the helpdesk's agent UI."""

    def snapshot(self, ticket_id: str, requester_id: str = "") -> Snapshot:
        """The ticket as it is now, with its comments; `requester_id` (from the event) lets a
        connector fetch the ticket and the requester's recent tickets in one read."""

    def requester_history(self, requester_id: str, days: int = 90,
                          exclude: str = "") -> list[TicketSummary]: ...

    def write(self, ticket_id: str, update: TicketUpdate) -> str:
        """Apply one update (comment + tags + group) atomically; returns the remote audit id."""
