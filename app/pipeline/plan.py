"""What a decision writes, worked out without touching anything: pure (DESIGN §1).

The orchestrator asks two questions here and carries out the answers under the ledger:
- `before_writing`: may the ticket's text be trusted with other systems, is Deskhand asking the
  customer for details, does a bug report go to the tracker, and which systems to gather from;
- `the_write`: the reply or internal note with its tags, priority, group and status, the case file
  of an escalation, and the alerts and CRM notes to record once the note exists.

Statuses: a public question to the customer leaves the ticket pending (waiting on them); a
confirmed answer solves it with an internal note, so the write is still one comment carrying its
marker (app/store/ledger.py). Everything else leaves the status alone.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from app.core.domain import Evidence, Ticket
from app.core.flags import URGENT
from app.pipeline import bug_report
from app.pipeline.case_file import CaseFile, case_file
from app.pipeline.think import Thought
from app.policy import action_plan
from app.reasoning import compose
from connectors.types import ACTION_TAGS, BUG_LINKED, URGENT_TAG

SOLVED_NOTE = "Customer confirmed the answer helped; solved by Deskhand."


@dataclass(frozen=True)
class Before:
    trusted: bool  # no flag says the text may be an attacker's or a taken-over account's
    asking: bool  # the reply asks the customer for a bug's missing details
    files_bug: bool  # a bug report goes to the tracker now
    gather: tuple[str, ...] = ()  # the systems to look the customer up in (none: no lookup)


@dataclass(frozen=True)
class Write:
    update: dict  # what the helpdesk write carries: body, public, add_tags, priority, group_name, status
    case: CaseFile | None = None  # an escalation's case file (its text is the note)
    after: list[action_plan.Proposal] = field(default_factory=list)  # alerts and CRM notes, once the note exists


def before_writing(thought: Thought, gather_plan: tuple[str, ...]) -> Before:
    """`gather_plan`: the systems the category's policy names for an escalation."""
    action = thought.decision.action
    trusted = not action_plan.UNTRUSTED_FLAGS & set(thought.triage.flags)
    # a bug report goes to the tracker unless Deskhand is asking the customer for details first
    asking = thought.asks_for_details and action in ("send", "draft")
    files_bug = thought.bug is not None and trusted and not asking and action in ("draft", "escalate")
    gather = tuple(gather_plan) if action == "escalate" else ("bugs",) if files_bug else ()
    return Before(trusted, asking, files_bug, gather)


def the_write(thought: Thought, before: Before, ticket: Ticket, message: str, evidence: Evidence,
              done: dict[str, str], pending: tuple[str, ...], not_proposed: list[str], link: str,
              alert_channel: str, levels: dict | None) -> Write:
    """`done`: actions already run for this reply (the bug report, whose link goes in the note);
    `pending`: proposals awaiting approval, as lines for the note."""
    triage, decision = thought.triage, thought.decision
    if decision.action == "solve":  # no category tag: "thanks, it works" has none, the answer's stays
        return Write({"body": SOLVED_NOTE + "".join(f"\n{r}" for r in decision.reasons), "public": False,
                      "add_tags": [ACTION_TAGS["solve"]], "priority": "", "group_name": "", "status": "solved"})
    tags = [ACTION_TAGS[decision.action], f"deskhand_{triage.category or 'unknown'}"]
    urgent = decision.action == "escalate" and bool(URGENT & set(triage.flags))
    if urgent:  # Intercom's API cannot set a priority: its teammates filter on this tag instead
        tags.append(URGENT_TAG)
    if before.asking:
        tags.append(bug_report.ASKED_TAG)
    if "bug_file" in done and not done["bug_file"].startswith(("failed", "uncertain")):
        tags.append(BUG_LINKED)
    update = {"add_tags": tags, "priority": "urgent" if urgent else "",
              "group_name": decision.escalate_to if decision.action == "escalate" else "", "status": ""}
    if decision.action == "send":  # a question sent to the customer waits on their answer
        return Write({"body": thought.checked.text, "public": True, **update,
                      "status": "pending" if before.asking else ""})
    if decision.action == "draft":
        body = compose.draft_note(triage, decision, thought.draft, thought.checked)
        body += "".join(f"\n{line}" for line in action_lines(done, pending, not_proposed))
        return Write({"body": body, "public": False, **update})
    case = case_file(triage, decision, evidence, thought.matches, ticket, message, thought.checked, pending,
                     tuple(f"{a}: {r}" for a, r in done.items()), tuple(not_proposed))
    summary = f"#{ticket.id} {ticket.subject or '(no subject)'} — {'; '.join(decision.reasons)}"
    # people hear of every escalation; other systems are written to only for trusted messages
    after = action_plan.slack_alert(triage.category, alert_channel, action_plan.alert_text(
        ticket, triage, decision, evidence, link, pending), levels)
    if before.trusted:
        after += action_plan.crm_note(triage.category, evidence, summary, link, levels)
    return Write({"body": case.text, "public": False, **update}, case, after)


def action_lines(done: dict[str, str], pending: tuple[str, ...], declined: list[str]) -> list[str]:
    return ([f"Done: {action} — {result}" for action, result in done.items()]
            + [f"Awaiting approval: {p}" for p in pending] + [f"Not proposed: {d}" for d in declined])
