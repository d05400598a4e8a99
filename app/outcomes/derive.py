"""Outcomes from one fresh read of a ticket and Deskhand's own record of it. Pure.

The webhook only says "look"; what happened is read off the snapshot (DESIGN §1.4): the comments
after each of Deskhand's writes, the status, the satisfaction rating, the category field. Each
outcome carries a `key` naming the thing observed (a comment, a solve episode, a rating value), so
reading the same ticket again — a redelivered event, a sweep — yields the same keys and the store
keeps one row each.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from app.reasoning import follow_up
from connectors.types import Comment, Ticket

CLOSED = {"solved", "closed"}
# A draft whose text the agent sent with at most this share of words changed was sent as is: a
# greeting or a sign-off swapped (two or three words in a 60-word reply) is not an edit.
AS_IS_MAX = 0.05
# At least this share changed and the agent wrote a reply of their own: the draft was discarded.
DISCARD_MIN = 0.7

# the kinds an `outcomes` row may have (for readers of the table: metrics, reports)
KINDS = ("customer_replied", "not_helped", "solved", "reopened", "csat", "draft_sent_as_is", "draft_edited",
         "draft_discarded", "category_changed", "human_replied")


@dataclass(frozen=True)
class Decided:
    """One of Deskhand's decisions that wrote to the ticket (from the audit trail)."""
    id: int  # the `decide` audit row
    at: float
    action: str  # send | draft | escalate | solve
    category: str
    text: str = ""  # what was written: the reply, or the internal note
    public: bool = False
    proposed: str = ""  # a draft's proposed reply (what an agent could send)


@dataclass(frozen=True)
class Observed:
    key: str
    kind: str
    decision: Decided
    value: float | None = None
    detail: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Known:
    """What the store already holds for this ticket: key → when it was recorded."""
    at: dict[str, float] = field(default_factory=dict)

    def __contains__(self, key: str) -> bool:
        return key in self.at


_INVISIBLE = re.compile("[\u200b-\u200d\u2060-\u2064\ufeff]")


def normalised(text: str) -> str:
    return " ".join(_INVISIBLE.sub("", text or "").split())


def edit_ratio(proposed: str, sent: str) -> float:
    """Share of the proposed reply's words an agent changed on the way out: 0 = sent as is, 1 =
    nothing kept. Over words, not characters: a re-typed sentence is one change, and word lists
    keep the comparison fast on long replies."""
    a, b = normalised(proposed).split(), normalised(sent).split()
    if not a and not b:
        return 0.0
    return round(1 - difflib.SequenceMatcher(None, a, b, autojunk=False).ratio(), 4)


def draft_fate(ratio: float) -> str:
    return "draft_sent_as_is" if ratio <= AS_IS_MAX else "draft_discarded" if ratio >= DISCARD_MIN else "draft_edited"


def satisfied(platform: str, rating: str) -> float | None:
    """1 for a satisfied customer, 0 for not, None for no rating. Zendesk CSAT is good/bad
    (`offered`: asked, not answered); Intercom's conversation rating is 1–5, of which 4 and 5 count
    as satisfied, the usual CSAT reading of a five-point scale."""
    raw = (rating or "").strip().lower()
    if platform == "intercom":
        return (1.0 if int(raw) >= 4 else 0.0) if raw.isdigit() and 1 <= int(raw) <= 5 else None
    return {"good": 1.0, "bad": 0.0}.get(raw)


def observe(ticket: Ticket, decided: list[Decided], known: Known, now: float, category_value: str = "",
            ) -> list[Observed]:
    """The outcomes this snapshot shows that the store does not hold yet. `category_value`: the
    ticket's category field as people left it (empty when unset)."""
    if not decided:
        return []  # Deskhand never wrote here: nothing of its to measure
    decided = sorted(decided, key=lambda d: (d.at, d.id))
    newest = decided[-1]
    found: list[Observed] = []

    def add(key: str, kind: str, decision: Decided, value: float | None = None, **detail) -> None:
        if key not in known and all(o.key != key for o in found):
            found.append(Observed(key, kind, decision, value, detail))

    _comments(ticket.comments, decided, add)
    if ticket.status in CLOSED:
        for d in decided:  # a draft nobody answered with before the ticket was closed was not used
            if d.action == "draft" and d.proposed and not any(o.key == f"draft:{d.id}" for o in found):
                add(f"draft:{d.id}", "draft_discarded", d, 1.0, reason="solved without a reply from it")
    _status(ticket.status, newest, known, now, add)
    score = satisfied(ticket.platform, ticket.rating)
    if score is not None:
        by = next((c.role for c in reversed(ticket.comments) if c.public and c.role in ("bot", "agent")), "")
        add(f"csat:{ticket.rating}", "csat", newest, score, score=ticket.rating, by="bot" if by == "bot" else "agent")
    categorised = next((d for d in reversed(decided) if d.category), None)
    value = (category_value or "").strip()
    if categorised and value and value != categorised.category:
        add(f"category:{value}", "category_changed", categorised, **{"from": categorised.category, "to": value})
    return found


def _comments(comments: tuple[Comment, ...], decided: list[Decided], add) -> None:
    """Walk the conversation: which of Deskhand's writes each bot comment is, and what the customer
    and the agents did after it."""
    unmatched = list(decided)
    last_write: Decided | None = None  # the decision behind the newest bot comment
    answered = False  # the customer already wrote after that bot comment
    for c in comments:
        if c.role == "bot":
            last_write = _match(c, unmatched) or last_write
            answered = False
            continue
        if last_write is None:
            continue
        if c.role == "customer" and c.public and not answered and last_write.public:
            answered = True
            said = follow_up.classify(c.body)
            add(f"reply:{c.id}", "customer_replied", last_write, follow_up=said.kind, comment_id=c.id)
            if said.kind == follow_up.NOT_HELPED:
                add(f"not_helped:{c.id}", "not_helped", last_write, said=said.said, comment_id=c.id)
        elif c.role == "agent" and c.public:
            add(f"human:{c.id}", "human_replied", last_write, comment_id=c.id)
            if last_write.action == "draft" and last_write.proposed:
                ratio = edit_ratio(last_write.proposed, c.body)
                add(f"draft:{last_write.id}", draft_fate(ratio), last_write, ratio, comment_id=c.id)


def _match(comment: Comment, unmatched: list[Decided]) -> Decided | None:
    """The decision whose write this bot comment is: the same text once whitespace and invisible
    characters are set aside, else one whose first 200 characters agree (a helpdesk that trims or
    appends to what it stores); None for a bot comment with no decision behind it (the confirmation
    of an approved action, a failure note), which leaves the previous write in place."""
    body = normalised(comment.body)
    found = next((d for d in unmatched if d.public == comment.public and normalised(d.text) == body), None) \
        or next((d for d in unmatched if d.public == comment.public and d.text and
                 (body.startswith(normalised(d.text)[:200]) or normalised(d.text).startswith(body[:200]))), None)
    if found is None:
        return None
    unmatched.remove(found)
    return found


def _status(status: str, newest: Decided, known: Known, now: float, add) -> None:
    """Solve episodes: `solved:k` for the k-th solve, `reopened:k` when the ticket opens again after
    it (the value: days after the solve), so solve → reopen → solve again is recorded in full."""
    episode = sum(1 for key in known.at if key.startswith("reopened:"))
    solved_key = f"solved:{episode}"
    if status in CLOSED:
        add(solved_key, "solved", newest, status=status)
    elif solved_key in known and status not in ("pending", "snoozed", "hold"):
        days = max(0.0, (now - known.at[solved_key]) / 86400)
        add(f"reopened:{episode}", "reopened", newest, round(days, 3), status=status)
