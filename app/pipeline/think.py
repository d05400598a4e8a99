"""Steps 3–7 without I/O: triage → retrieve → compose → check → decide, for one customer message.

The worker's pipeline and `deskhand eval` both call `think`, so what eval reports is what the
worker would have done (the engine may still call an LLM; nothing here touches the helpdesk).
"""
from __future__ import annotations

from dataclasses import dataclass

from app.checks.check import Checked, check_reply, cited_sources
from app.core.domain import Decision, Draft, Policy, Ticket, Triage
from app.knowledge.search import Match
from app.pipeline import bug_report
from app.pipeline.bug_report import BugFacts
from app.policy.decide import decide
from app.reasoning import phrases, prompts
from app.reasoning.compose import AI_LABEL


@dataclass(frozen=True)
class Guardrails:
    """What the check needs besides the reply: secrets to block and hosts replies may link to."""
    canaries: tuple[str, ...] = ()
    allowed_hosts: frozenset[str] = frozenset()
    ai_label: str = AI_LABEL

    def label(self, language: str) -> str:
        """The disclosure a reply in `language` carries (the default one translated, an admin's own as written)."""
        return phrases.ai_label(self.ai_label, language)


@dataclass(frozen=True)
class Thought:
    triage: Triage
    matches: list[Match]
    draft: Draft | None
    checked: Checked | None
    decision: Decision
    bug: BugFacts | None = None  # for bug-like tickets: which key facts the customer gave

    @property
    def asks_for_details(self) -> bool:
        return self.draft is not None and self.draft.writer == "clarify"


def think(engine, ticket: Ticket, subject: str, message: str, policy: Policy,
          after_bot_reply: bool = False, rails: Guardrails = Guardrails()) -> Thought:
    """`subject` is "" after the first message; internal notes on `ticket` are what must not leak."""
    if bug_report.ASKED_TAG in ticket.tags:
        # the customer is answering Deskhand's question about a bug: the answer alone ("Chrome 131,
        # step 1 …") reads like anything, so the whole report is triaged
        subject, message_for_triage = ticket.subject, "\n".join(c.body for c in ticket.customer_comments())
    else:
        message_for_triage = message
    triage = engine.triage(subject, message_for_triage, ticket.page_url)
    knowledge = engine.knowledge
    matches = knowledge.search(f"{subject}\n{message}", triage.category, language=triage.language)
    bug = bug_report.facts(ticket, message) if triage.category in bug_report.BUG_CATEGORIES else None
    # the question for missing bug details is written in English
    if bug is not None and triage.language == "en" and bug_report.should_ask(triage.category, ticket, bug):
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
            allowed_hosts=set(rails.allowed_hosts) | knowledge.hosts(), ai_label=rails.label(draft.language),
            requester_email=ticket.requester.email, prompt_texts=prompts.own_texts())
    decision = decide(triage, policy.for_category(triage.category), draft, after_bot_reply, checked)
    return Thought(triage, matches, draft, checked, decision, bug)
