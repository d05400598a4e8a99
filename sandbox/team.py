"""What a support team and its customers do after Deskhand's work, on either sandbox helpdesk:
solve, reopen, reply, rate, correct the category. Each goes through the sandbox's own write path,
so the helpdesk sends the signed events it would send for it (Zendesk: ticket.status_changed,
ticket.comment_added, ticket.custom_field_changed, the rating trigger; Intercom:
conversation.admin.closed / opened, conversation.user.replied, conversation.rating.added)."""
from __future__ import annotations


class Team:
    def __init__(self, sb):
        self.sb = sb
        self.zendesk = getattr(sb, "platform", "zendesk") == "zendesk"

    def solve(self, tid) -> None:
        self.sb.set_status(int(tid), "solved") if self.zendesk else self.sb.close(tid)

    def reopen(self, tid) -> None:
        self.sb.set_status(int(tid), "open") if self.zendesk else self.sb.reopen(tid)

    def rate(self, tid, happy: bool) -> None:
        """Zendesk CSAT good/bad; Intercom 5 or 2 stars (a solved ticket only, as both ask then)."""
        if self.zendesk:
            self.sb.rate(int(tid), "good" if happy else "bad")
        else:
            self.sb.rate(tid, 5 if happy else 2)

    def reply(self, tid, body: str) -> None:
        """An agent's public reply."""
        self.sb.agent_reply(int(tid) if self.zendesk else tid, body)

    def customer(self, tid, body: str) -> None:
        self.sb.customer_reply(int(tid) if self.zendesk else tid, body)

    def categorise(self, tid, category: str) -> None:
        """An agent corrects the ticket's category (Zendesk's category field; the Intercom attribute)."""
        self.sb.set_category(int(tid) if self.zendesk else tid, category)
