"""Values connectors return and accept. Same shape for every helpdesk."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# bot: Deskhand itself. automation: the helpdesk's own scripted messages (Intercom's Operator and
# workflow bots: an expected reply time, a request for an email), which neither answer the
# customer nor mean a person has taken the conversation.
Role = Literal["customer", "agent", "bot", "automation"]


@dataclass(frozen=True)
class Requester:
    id: str
    email: str = ""
    name: str = ""
    organization: str = ""


@dataclass(frozen=True)
class Comment:
    id: str
    author_id: str
    role: Role
    public: bool
    body: str
    created_at: str = ""


@dataclass(frozen=True)
class Ticket:
    platform: str
    id: str
    subject: str
    status: str
    requester: Requester
    comments: tuple[Comment, ...] = ()
    tags: tuple[str, ...] = ()
    custom_fields: tuple[tuple[str, object], ...] = ()
    channel: str = ""
    page_url: str = ""
    assignee_id: str = ""
    group_id: str = ""
    created_at: str = ""
    updated_at: str = ""
    # the customer's satisfaction rating as the helpdesk gives it (Zendesk CSAT good/bad, Intercom's
    # conversation rating 1–5); "" when none was given
    rating: str = ""

    def customer_comments(self) -> list[Comment]:
        return [c for c in self.comments if c.role == "customer"]


@dataclass(frozen=True)
class TicketSummary:
    """One of the requester's other tickets, for the escalation note."""
    id: str
    subject: str
    status: str
    created_at: str
    category: str = ""
    outcome: str = ""  # how it ended, as far as the helpdesk shows it (see `outcome_of`)


# The labels Deskhand writes with each reply, note or escalation, besides its marker and the
# category (`deskhand_<category>`). Zendesk keeps them all as tags in the write's one PUT; Intercom,
# which takes one request per tag, keeps them as conversation attributes (connectors/intercom.py).
ACTION_TAGS = {"send": "deskhand_replied", "draft": "deskhand_drafted", "escalate": "deskhand_escalated",
               "solve": "deskhand_solved"}
ASKED_BUG_DETAILS = "deskhand_asked_bug_details"  # the bug report's missing details were asked for
BUG_LINKED = "deskhand_bug_linked"  # the ticket is linked to an issue in the bug tracker
FAILED = "deskhand_error"  # Deskhand gave up on the ticket and left a note saying so
URGENT_TAG = "deskhand_urgent"  # escalated as urgent: someone may be hurt
FLAG_TAGS = (ASKED_BUG_DETAILS, BUG_LINKED, FAILED, URGENT_TAG)


def outcome_of(status: str, tags: tuple[str, ...]) -> str:
    """A past ticket's outcome from its status and the tags Deskhand writes with each action."""
    by = ("answered by Deskhand" if ACTION_TAGS["send"] in tags else "escalated by Deskhand"
          if ACTION_TAGS["escalate"] in tags else "drafted by Deskhand" if ACTION_TAGS["draft"] in tags else "")
    state = {"solved": "solved", "closed": "solved", "pending": "waiting on the customer",
             "hold": "on hold"}.get(status, "still open")
    return f"{state}, {by}" if by else state


@dataclass(frozen=True)
class Snapshot:
    """A ticket as it is now, and the requester's recent tickets when the same read gave them
    (None: not fetched; ask `requester_history`)."""
    ticket: Ticket
    history: tuple[TicketSummary, ...] | None = None


@dataclass(frozen=True)
class Article:
    id: str
    title: str
    body_html: str
    url: str
    labels: tuple[str, ...] = ()
    updated_at: str = ""
    language: str = "en"  # ISO 639-1: a reply quotes it only to a customer writing in that language


@dataclass(frozen=True)
class TicketUpdate:
    """One helpdesk write. `public` has no default: every write says what it is (DESIGN §7.6)."""
    body: str
    public: bool
    add_tags: tuple[str, ...] = ()
    group_name: str = ""
    expected_updated_at: str = ""  # refuse the write if the ticket changed since this stamp
    priority: str = ""  # "urgent" for an escalation where someone may be hurt; empty: unchanged
    status: str = ""  # pending | solved, in Zendesk's words (each connector maps them); empty: unchanged
