"""Reasons not to act at all (DESIGN §7.4). Pure: a fresh snapshot and the event in."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from app.core.domain import Comment, Ticket, TicketEvent

CLOSED = {"solved", "closed"}


@dataclass(frozen=True)
class GuardResult:
    trigger: Comment | None  # the customer message we would answer
    skip: str = ""  # why we stand down; empty when we may go on


def own_event(event: TicketEvent, bot_id: str) -> bool:
    """Cheap first check on the delivery itself: our own comment coming back to us."""
    return bool(event.author_id) and event.author_id == bot_id


def check(ticket: Ticket, event: TicketEvent, opt_out_tag: str,
          marker_of: Callable[[Comment], str]) -> GuardResult:
    """`marker_of(comment)` is the tag that says a response to that comment was written."""
    comments = list(ticket.comments)
    trigger = _trigger(comments, event)
    if ticket.status in CLOSED:  # the trigger still names the reply key: a write that solved it is found
        return GuardResult(trigger, f"ticket is {ticket.status}")
    if opt_out_tag and opt_out_tag in ticket.tags:
        return GuardResult(None, f"ticket has the opt-out tag {opt_out_tag}")
    if trigger is None:
        return GuardResult(None, "no customer message to answer")
    if trigger.role == "bot":
        return GuardResult(None, "the triggering comment is the bot's own")
    if trigger.role != "customer":
        return GuardResult(None, "the triggering comment is not from the customer")
    if any(c.role == "agent" and c.public for c in comments):
        return GuardResult(trigger, "a human agent is already talking to the customer")
    later = comments[comments.index(trigger) + 1:]
    if any(c.role == "bot" and c.public for c in later):
        return GuardResult(trigger, "the bot already replied after this message")
    if any(c.role == "customer" for c in later):
        return GuardResult(trigger, "a newer customer message exists; it has its own event")
    if marker_of(trigger) in ticket.tags:
        return GuardResult(trigger, "this customer message was already handled (marker tag present)")
    return GuardResult(trigger)


def _trigger(comments: list[Comment], event: TicketEvent) -> Comment | None:
    if event.comment_id:
        return next((c for c in comments if c.id == event.comment_id), None)
    customer = [c for c in comments if c.role == "customer"]
    return customer[-1] if customer else None
