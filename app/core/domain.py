"""Domain values shared by every pipeline step (DESIGN §2).

Plain frozen dataclasses: the pure steps take and return these, so they can be
tested without a network and replayed over exported history.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from connectors.types import Comment, Requester, Ticket  # noqa: F401  (re-exported)

# solve: the customer confirmed Deskhand's answer helped; an internal note, and the ticket solved
Action = Literal["send", "draft", "escalate", "solve", "skip"]


@dataclass(frozen=True)
class TicketEvent:
    platform: str
    delivery_id: str
    # ticket.created | ticket.customer_replied | ticket.agent_replied | ticket.sweep | action.done, and the
    # outcome events the worker only observes: ticket.solved | ticket.reopened | ticket.rated | ticket.field_changed
    kind: str
    ticket_id: str
    comment_id: str = ""
    author_id: str = ""
    requester_id: str = ""


@dataclass(frozen=True)
class Triage:
    category: str | None
    confidence: float
    alternatives: tuple[tuple[str, float], ...] = ()
    sentiment: float = 0.0  # -1 (angry) .. +1 (happy)
    frustration: float = 0.0  # 0 .. 1
    language: str = "en"
    flags: tuple[str, ...] = ()  # sensitivity flags (app/core/flags.py): each sends the ticket to a person
    flag_reasons: tuple[str, ...] = ()  # why each flag was raised: the rule's words or the nearest example
    redacted: tuple[str, ...] = ()  # kinds of secret removed before the text went to a model (never values)
    issues: tuple[str, ...] = ()  # the separate requests when there are several
    engine: str = "offline"
    error: str = ""  # the engine failed; the ticket must reach a person
    tokens: int = 0  # LLM tokens spent on this triage (input + output)
    cost_usd: float = 0.0
    page_url: str = ""  # the page the customer was on (the ticket's, else a product URL in the message)
    page_area: str = ""  # its product-map area id, and the area's name, when the map knows the page
    page_area_name: str = ""


@dataclass(frozen=True)
class Fact:
    source: str  # the role that answered (billing, crm, bugs, helpdesk): what plans and gaps name
    text: str
    link: str = ""
    at: str = ""
    kind: str = ""  # what the fact is about (plan, arr, owner, invoice, charge, issue, history…)
    ref: str = ""  # the object's id in its system (a charge id, for actions)
    amount: int = 0  # minor units: a charge's refundable rest, a plan's price per interval, an ARR
    currency: str = ""
    system: str = ""  # the vendor that answered, as people name it ("Stripe", "HubSpot"): who said what
    # the values the conflict check compares, which the text only spells out for people
    value: str = ""  # a plan's or a CRM tier's name
    interval: str = ""  # a plan's billing interval: month | year
    status: str = ""  # a plan's subscription status (active, canceled, …)

    @property
    def said_by(self) -> str:
        """Who said it: the vendor, else the role (a fact recorded before vendors were named)."""
        return self.system or self.source


@dataclass(frozen=True)
class Gap:
    source: str
    reason: str


@dataclass(frozen=True)
class Evidence:
    facts: tuple[Fact, ...] = ()
    gaps: tuple[Gap, ...] = ()
    elapsed_ms: float = 0.0

    def of(self, *kinds: str) -> list[Fact]:
        return [f for f in self.facts if f.kind in kinds]


@dataclass(frozen=True)
class Citation:
    title: str
    url: str
    passage_id: str = ""


@dataclass(frozen=True)
class Draft:
    text: str
    citations: tuple[Citation, ...] = ()
    score: float = 0.0  # how well the best source matches the request
    writer: str = "offline"  # offline | llm
    note: str = ""  # why the LLM's reply was not used, when it was not
    tokens: int = 0
    cost_usd: float = 0.0
    # Product-map steps the reply quotes (app/knowledge/page_map.py): sources like knowledge-base passages,
    # carried here because they live in the map, not in the knowledge index the check reads.
    page_passages: tuple = ()
    # (id, text) of the account facts the reply states — a diagnosis of the customer's billing records,
    # a proposed fix as recorded — checked as tool facts; the ids name the records (charge, invoice…)
    facts: tuple[tuple[str, str], ...] = ()
    language: str = "en"  # the language it is written in: its sources' (ISO 639-1)


@dataclass(frozen=True)
class Decision:
    action: Action
    reasons: tuple[str, ...]
    mode: str = ""
    send_at: float | None = None
    draft_at: float | None = None
    escalate_to: str = ""


@dataclass(frozen=True)
class CategoryPolicy:
    mode: Literal["off", "shadow", "draft", "auto"] = "draft"
    send_at: float = 0.9
    draft_at: float = 0.5
    escalate_to: str = ""  # helpdesk group name; empty = leave the group alone
    gather: tuple[str, ...] = ("history", "billing", "crm", "bugs")  # lookups for the case file
    # action -> level (auto | approval | never); None: the category's defaults in action_plan
    actions: tuple[tuple[str, str], ...] | None = None
    # answer from the requester's own billing account when the message asks about it (charged twice,
    # an invoice, a failed payment…): looked up before composing, stated with its dates and amounts
    account_facts: bool = False
    # solve the ticket when the customer confirms Deskhand's answer helped ("thanks, that fixed it");
    # off, a person solves it (teams that report on solved tickets want to choose)
    solve_on_confirmation: bool = False
    # on escalation, tell the customer in public that a person will reply (app/policy/holding.py):
    # off by default; the text is the admin's, or an honest default; a time is promised only when set here
    holding_reply: bool = False
    holding_reply_text: str = ""
    holding_reply_hours: int = 0

    def action_levels(self) -> dict | None:
        return dict(self.actions) if self.actions is not None else None


@dataclass(frozen=True)
class Policy:
    default: CategoryPolicy = field(default_factory=CategoryPolicy)
    categories: tuple[tuple[str, CategoryPolicy], ...] = ()

    def for_category(self, category: str | None) -> CategoryPolicy:
        return dict(self.categories).get(category or "", self.default)
