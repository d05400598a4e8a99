"""Steps 3–7 without I/O: triage → retrieve → compose → check → decide, for one customer message.

The worker's pipeline and `deskhand eval` both call `think`, so what eval reports is what the
worker would have done (the engine may still call an LLM; nothing here touches the helpdesk).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

from app.checks.check import Checked, check_reply, cited_sources
from app.core.domain import CategoryPolicy, Comment, Decision, Draft, Policy, Ticket, Triage
from app.knowledge.search import Match
from app.pipeline import bug_report
from app.pipeline.bug_report import BugFacts
from app.policy.decide import decide
from app.reasoning import follow_up as follow_ups
from app.reasoning import prompts
from app.reasoning.compose import AI_LABEL
from connectors.types import ACTION_TAGS, FLAG_TAGS

# Deskhand's tags that name no category: what it did, its flags, its markers (`deskhand_<12 hex>`)
_NOT_CATEGORIES = {*ACTION_TAGS.values(), *FLAG_TAGS, "deskhand_unknown"}
_MARKER = re.compile(r"^deskhand_[0-9a-f]{12}$")


@dataclass(frozen=True)
class Guardrails:
    """What the check needs besides the reply: secrets to block and hosts replies may link to."""
    canaries: tuple[str, ...] = ()
    allowed_hosts: frozenset[str] = frozenset()
    ai_label: str = AI_LABEL


@dataclass(frozen=True)
class Thought:
    triage: Triage
    matches: list[Match]
    draft: Draft | None
    checked: Checked | None
    decision: Decision
    bug: BugFacts | None = None  # for bug-like tickets: which key facts the customer gave
    follow_up: follow_ups.FollowUp | None = None  # what the message says about Deskhand's last answer

    @property
    def asks_for_details(self) -> bool:
        return self.draft is not None and self.draft.writer == "clarify"


def since_answer(ticket: Ticket, trigger: Comment) -> str | None:
    """What the customer wrote since Deskhand's last public reply, up to and including `trigger`
    (None: Deskhand has not replied in public before it). Every message counts, not the trigger
    alone: "that didn't help" followed by "my account is X" is still about the answer, and only
    the newest message gets an event (app/pipeline/guards.py)."""
    earlier = ticket.comments[:ticket.comments.index(trigger) + 1]
    answers = [i for i, c in enumerate(earlier) if c.role == "bot" and c.public]
    if not answers:
        return None
    return "\n".join(c.body for c in earlier[answers[-1] + 1:] if c.role == "customer")


def answered_categories(ticket: Ticket) -> set[str]:
    """The categories Deskhand wrote about on this ticket (its `deskhand_<category>` tags)."""
    return {t.removeprefix("deskhand_") for t in ticket.tags
            if t.startswith("deskhand_") and t not in _NOT_CATEGORIES and not _MARKER.match(t)}


def think(engine, ticket: Ticket, subject: str, message: str, policy: Policy,
          since_answer: str | None = None, rails: Guardrails = Guardrails()) -> Thought:
    """`subject` is "" after the first message; internal notes on `ticket` are what must not leak.
    `since_answer`: the customer's words since Deskhand's last public reply (`since_answer()`)."""
    # After Deskhand asked for a bug's details the customer is answering a question, not judging an answer.
    verdict = follow_ups.classify(since_answer) \
        if since_answer is not None and bug_report.ASKED_TAG not in ticket.tags else None
    if bug_report.ASKED_TAG in ticket.tags:
        # the customer is answering Deskhand's question about a bug: the answer alone ("Chrome 131,
        # step 1 …") reads like anything, so the whole report is triaged
        subject, message_for_triage = ticket.subject, "\n".join(c.body for c in ticket.customer_comments())
    else:
        message_for_triage = message
    triage = engine.triage(subject, message_for_triage, ticket.page_url)
    knowledge = engine.knowledge
    matches = knowledge.search(f"{subject}\n{message}", triage.category)
    bug = bug_report.facts(ticket, message) if triage.category in bug_report.BUG_CATEGORIES else None
    if bug is not None and bug_report.should_ask(triage.category, ticket, bug):
        draft = Draft(text=bug_report.question(ticket, bug), writer="clarify",
                      note=f"missing: {', '.join(bug.missing)}")
    else:
        draft = engine.reply(ticket, message, matches, knowledge)
    checked = None
    if draft is not None:
        checked = check_reply(
            draft.text, cited_sources(draft, knowledge),
            internal_texts=[c.body for c in ticket.comments if not c.public],
            canaries=[*rails.canaries, *getattr(engine, "canaries", ())],
            allowed_hosts=set(rails.allowed_hosts) | knowledge.hosts(), ai_label=rails.ai_label,
            requester_email=ticket.requester.email, prompt_texts=prompts.own_texts())
    entry = _confirmed_entry(ticket, policy) if verdict and verdict.kind == follow_ups.RESOLVED \
        else policy.for_category(triage.category)
    decision = decide(triage, entry, draft, verdict, checked)
    return Thought(triage, matches, draft, checked, decision, bug, verdict)


def _confirmed_entry(ticket: Ticket, policy: Policy) -> CategoryPolicy:
    """A confirmation is about the answer, so the policy of the category answered applies ("thanks,
    it works" has no category of its own). Answers under different entries, or none found: the
    default's, never solving — which answer was confirmed is unclear."""
    entries = {policy.for_category(c) for c in answered_categories(ticket)}
    return entries.pop() if len(entries) == 1 else replace(policy.default, solve_on_confirmation=False)
