"""Steps 3–7 without I/O: triage → retrieve → compose → check → decide, for one customer message.

The worker's pipeline and `deskhand eval` both call `think`, so what eval reports is what the
worker would have done (the engine may still call an LLM; nothing here touches the helpdesk).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Callable
from urllib.parse import urlsplit

from app.checks.check import Checked, check_reply, cited_sources
from app.core import phrases
from app.core.domain import CategoryPolicy, Comment, Decision, Draft, Policy, Ticket, Triage
from app.knowledge.search import Match
from app.pipeline import account_reply, bug_report
from app.pipeline.bug_report import BugFacts
from app.policy import action_plan
from app.policy.action_plan import Caps, Proposal
from app.policy.decide import MIN_SOURCE_SCORE, decide, escalates_before_the_reply, escalates_whatever_the_reply
from app.reasoning import follow_up as follow_ups
from app.reasoning import prompts
from app.reasoning.compose import AI_LABEL
from app.reasoning.diagnoses import HINTS, Diagnosis, asks_to_send_invoice, diagnose
from connectors.roles import BillingAccount
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

    def label(self, language: str) -> str:
        """The disclosure a reply in `language` carries (the default one translated, an admin's own as written)."""
        return phrases.ai_label(self.ai_label, language)


@dataclass(frozen=True)
class Account:
    """The requester's own billing account, looked up by the orchestrator by the ticket's requester
    (never by anything the message says), with what deciding on a refund needs."""
    billing: BillingAccount | None
    now: str  # ISO-8601 UTC: the diagnoses' clock
    caps: Caps
    refunds_30d: int  # refunds this requester already had
    # (subscription id, interval, starts) -> action_plan.Quote, or why none: prices a change of interval (I/O)
    quote: Callable[[str, str, str], object] | None = None


@dataclass(frozen=True)
class Thought:
    triage: Triage
    matches: list[Match]
    draft: Draft | None
    checked: Checked | None
    decision: Decision
    bug: BugFacts | None = None  # for bug-like tickets: which key facts the customer gave
    follow_up: follow_ups.FollowUp | None = None  # what the message says about Deskhand's last answer
    diagnoses: tuple[Diagnosis, ...] = ()  # what the customer's account shows, when the reply comes from it
    proposals: tuple[Proposal, ...] = ()  # the fixes the diagnoses call for, to record with the write
    declined: tuple[str, ...] = ()  # fixes the diagnoses call for that are a person's to make

    @property
    def asks_for_details(self) -> bool:
        return self.draft is not None and self.draft.writer == "clarify"


def since_answer(ticket: Ticket, trigger: Comment,
                 holding: Callable[[Comment], bool] = lambda c: False) -> str | None:
    """What the customer wrote since Deskhand's last public reply, up to and including `trigger`
    (None: Deskhand has not replied in public before it). Every message counts, not the trigger
    alone: "that didn't help" followed by "my account is X" is still about the answer, and only
    the newest message gets an event (app/pipeline/guards.py). `holding`: whether a comment is a holding
    reply (app/policy/holding.py), which answers nothing: "thanks" to "a person will reply" confirms no answer."""
    earlier = ticket.comments[:ticket.comments.index(trigger) + 1]
    answers = [i for i, c in enumerate(earlier) if c.role == "bot" and c.public and not holding(c)]
    if not answers:
        return None
    return "\n".join(c.body for c in earlier[answers[-1] + 1:] if c.role == "customer")


def answered_categories(ticket: Ticket) -> set[str]:
    """The categories Deskhand wrote about on this ticket (its `deskhand_<category>` tags)."""
    return {t.removeprefix("deskhand_") for t in ticket.tags
            if t.startswith("deskhand_") and t not in _NOT_CATEGORIES and not _MARKER.match(t)}


def think(engine, ticket: Ticket, subject: str, message: str, policy: Policy,
          since_answer: str | None = None, rails: Guardrails = Guardrails(),
          account: Callable[[], Account] | None = None,
          escalating: Callable[[tuple[str, ...]], None] | None = None) -> Thought:
    """`subject` is "" after the first message; internal notes on `ticket` are what must not leak.
    `since_answer`: the customer's words since Deskhand's last public reply (`since_answer()`).
    `account`: looks the requester's billing account up (I/O, given by the orchestrator; asked only
    when the category's policy has `account_facts`, no flag sends the ticket to a person, the message is
    not a verdict on an earlier answer, and the ticket is not escalated whatever the reply says: an
    escalation's case file reads the account with the other systems, at once, and reading it here
    first would only put one Stripe read after another). `escalating`: told the category's lookups for
    a case file as soon as the triage shows the message goes to a person whatever the reply, so they
    run while the rest is thought (I/O, started by the orchestrator)."""
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
    matches = knowledge.search(f"{subject}\n{message}", triage.category, language=triage.language)
    if (triage.language != "en" and getattr(engine, "translates", False)
            and not (matches and matches[0].score >= MIN_SOURCE_SCORE)):
        # no article in the customer's language answers it: a writer that translates may answer from one
        # in another language; the check after it holds the translation to the same sources
        matches = knowledge.search_across(f"{subject}\n{message}", triage.category)
    bug = bug_report.facts(ticket, message) if triage.category in bug_report.BUG_CATEGORIES else None
    entry = policy.for_category(triage.category)
    judged = _confirmed_entry(ticket, policy) if verdict and verdict.kind == follow_ups.RESOLVED else entry
    asking = bug is not None and triage.language == "en" and bug_report.should_ask(triage.category, ticket, bug)
    if escalating is not None and escalates_before_the_reply(triage, judged, verdict, may_ask=asking):
        escalating(entry.gather)
    found, proposals, declined, found_in = [], [], [], None
    # the account's explanations, like the question for missing bug details, are written in English
    if (account is not None and entry.account_facts and not triage.flags and bug is None
            and triage.language == "en" and not (verdict and verdict.kind in (follow_ups.NOT_HELPED, follow_ups.RESOLVED))
            and not escalates_whatever_the_reply(triage, entry)):
        found_in = account()
        found, proposals, declined = _from_account(found_in, triage.category, ticket, f"{subject}\n{message}", entry)
    if asking:
        draft = Draft(text=bug_report.question(ticket, bug), writer="clarify",
                      note=f"missing: {', '.join(bug.missing)}")
    elif found:  # cites the account in the billing system's dashboard, for the agent who reviews it
        answer = engine.reply(ticket, message, matches, knowledge, triage.language)
        draft = account_reply.reply(ticket, found, proposals, account_link=found_in.billing.link,
                                    answer=answer if answer is not None and answer.score >= MIN_SOURCE_SCORE else None)
    else:
        draft = engine.reply(ticket, message, matches, knowledge, triage.language)
    checked = None
    if draft is not None:
        # the account's own links (an invoice's page) are facts of this reply, as a passage's are
        fact_hosts = {urlsplit(w).hostname or "" for _, text in draft.facts for w in text.split() if "://" in w}
        checked = check_reply(
            draft.text, cited_sources(draft, knowledge),
            internal_texts=[c.body for c in ticket.comments if not c.public],
            canaries=[*rails.canaries, *getattr(engine, "canaries", ())],
            allowed_hosts=set(rails.allowed_hosts) | knowledge.hosts() | (fact_hosts - {""}),
            ai_label=rails.label(draft.language),
            requester_email=ticket.requester.email, prompt_texts=prompts.own_texts())
    decision = decide(triage, judged, draft, verdict, checked)
    if declined and decision.action == "send":  # the reply is right, but what it leaves undone is a person's
        decision = replace(decision, action="draft",
                           reasons=(f"the account needs a fix that is a person's to make: {declined[0]}",))
    return Thought(triage, matches, draft, checked, decision, bug, follow_up=verdict, diagnoses=tuple(found),
                   proposals=tuple(proposals), declined=tuple(declined))


def _confirmed_entry(ticket: Ticket, policy: Policy) -> CategoryPolicy:
    """A confirmation is about the answer, so the policy of the category answered applies ("thanks,
    it works" has no category of its own). Answers under different entries, or none found: the
    default's, never solving — which answer was confirmed is unclear."""
    entries = {policy.for_category(c) for c in answered_categories(ticket)}
    return entries.pop() if len(entries) == 1 else replace(policy.default, solve_on_confirmation=False)


def _from_account(account: Account, category: str | None, ticket: Ticket, asked: str,
                  entry) -> tuple[list[Diagnosis], list[Proposal], list[str]]:
    """The diagnoses the customer asked about (a case the message names, such as a double charge or an
    invoice: an answer to what they asked, not a list of everything the account shows) and the fixes
    they call for."""
    if account.billing is None:
        return [], [], []
    asked_about = [d for d in diagnose(account.billing, asked, account.now)
                   if d.case == "invoice_copy" or HINTS[d.case].search(asked)]
    levels = entry.action_levels()
    # the billing system prices a change of interval only when one may be proposed
    quotes = {d.fix.target: account.quote(d.fix.target, d.fix.interval, d.fix.starts) for d in asked_about
              if d.fix and d.fix.kind == "change_interval" and account.quote is not None
              and action_plan.level("subscription_change", category, levels) != "never"}
    proposals, declined = action_plan.fixes(category, asked_about, ticket.requester.email, account.caps,
                                            account.refunds_30d, levels, quotes, asks_to_send_invoice(asked))
    return asked_about, proposals, declined
