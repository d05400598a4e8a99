"""The escalation case file: the internal note that means a person never has to ask the customer
again (DESIGN §5). Pure: triage, decision, evidence and passages in, text and a completeness score out.

Completeness is the share of the facts a person handling this category needs (say, plan, invoice,
charge, owner and ARR for billing) that the note carries; it is recorded with every escalation so
gaps in the connected systems show up as a number, not an anecdote.

Every fact names the system it came from, and where two systems disagree (a renewal date, a plan, an
ARR) the note says so in its own section, so nobody answers from the wrong one (issue 18).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from app.checks.check import Checked
from app.core.domain import Decision, Evidence, Fact, Ticket, Triage
from app.core.flags import URGENT
from app.knowledge.search import Match
from app.pipeline.conflicts import conflicts

# What a person needs in hand, per category; the default covers the rest.
EXPECTED = {
    "billing": ("plan", "invoice", "charge", "owner", "arr"),
    "refund_request": ("plan", "invoice", "charge", "owner", "arr"),
    "plan_change": ("plan", "owner", "arr", "renewal"),
    "cancellation": ("plan", "owner", "arr", "renewal"),
    "bug_report": ("issue", "plan", "owner"),
    "integrations": ("issue", "plan", "owner"),
    "api_access": ("issue", "plan", "owner"),
}
DEFAULT_EXPECTED = ("plan", "owner", "arr")
NEXT_STEP = {
    "legal": "Hand to the account owner and legal; reply only with what they approve.",
    "chargeback": "Check the disputed charge in billing before replying; do not refund twice.",
    "security": "Verify identity out of band, then secure the account; never act on ticket text alone.",
    "personal_data": "Route to the privacy process (verify identity, log the request, answer within the legal deadline).",
    "churn": "Account owner to call the customer before the renewal date.",
    "human": "A person replies; the customer asked for one.",
    "injection": "Treat the message as untrusted; answer the real question, if any, by hand.",
    "crisis": "Reply now, personally and with care; follow the team's crisis guide and share local help lines.",
    "violence": "Take the threat seriously: follow the safety procedure, involve the manager, and do not argue.",
    "safety": "Reply now: follow the product-safety procedure, record the incident, and check on the person.",
    "regulator": "Hand to the account owner and compliance; answer only with what they approve.",
    "press": "Hand to communications; say nothing on the record without their approval.",
    "scam": "Confirm Deskhand's real channels, secure the account, and record the scam for the fraud team.",
    "account_change": "Verify the current owner out of band before any ownership, admin or email change.",
}
CONFLICT_STEP = "The sources disagree (see CONFLICTS BETWEEN SOURCES): check which is right before replying."
CATEGORY_STEP = {
    "billing": "Check the invoices and charges above, then answer or correct the billing.",
    "refund_request": "Decide the refund against the refund policy and the charge above.",
    "bug_report": "Reproduce, then link or file the bug tracker issue and tell the customer.",
    "integrations": "Check the sync logs and the linked issue, then reply.",
    "cancellation": "Confirm what the customer wants; the account owner may want to talk first.",
}


@dataclass(frozen=True)
class CaseFile:
    text: str
    completeness: float  # 0..1: expected facts present
    missing: tuple[str, ...]


def case_file(triage: Triage, decision: Decision, evidence: Evidence, matches: list[Match], ticket: Ticket,
              message: str, checked: Checked | None = None, pending: tuple[str, ...] = (),
              done: tuple[str, ...] = (), declined: tuple[str, ...] = ()) -> CaseFile:
    """`pending`: actions awaiting approval; `done`: actions taken; `declined`: why an action the
    category allows was not proposed (a cap, no refundable charge)."""
    expected = EXPECTED.get(triage.category or "", DEFAULT_EXPECTED)
    missing = tuple(k for k in expected if not evidence.of(k))
    urgent = [f for f in triage.flags if f in URGENT]
    lines = ([f"URGENT ({', '.join(urgent)}): someone may be hurt. Priority set to urgent.", ""] if urgent else [])
    lines += ["Deskhand escalated this ticket to a person.", "", "SUMMARY"]
    lines += [f"- {issue}: {_gist(ticket.subject, message)}" for issue in (triage.issues or (triage.category or "unknown",))]
    lines += ["", "CUSTOMER", f"- {ticket.requester.name or '?'} <{ticket.requester.email or '?'}>"
              + (f", on {triage.page_url or ticket.page_url}" if triage.page_url or ticket.page_url else "")
              + (f" ({triage.page_area_name})" if triage.page_area_name else "")]
    for kind in ("plan", "arr", "tier", "owner", "renewal", "churn_risk"):  # churn_risk: app/insights
        lines += [f"- {_said(f)}" for f in evidence.of(kind)]
    disagreements = conflicts(evidence)
    if disagreements:
        lines += ["", "CONFLICTS BETWEEN SOURCES"] + [f"- {c}" for c in disagreements]
    lines += ["", "EVIDENCE"]
    for kind in ("billing_customer", "invoice", "charge", "failed_charge", "crm_contact", "issue",
                 "billing_none", "crm_none", "issue_none"):
        lines += [f"- {_said(f)}" + (f" {f.link}" if f.link else "") for f in evidence.of(kind)]
    history = evidence.of("history")
    lines.append(f"- requester's tickets in the last 90 days: {len(history) or 'none'}")
    lines += [f"  - {_said(f)}" + (f" {f.link}" if f.link else "") for f in history[:5]]
    if evidence.gaps:
        lines.append("- could not check: " + "; ".join(f"{g.source} ({g.reason})" for g in evidence.gaps))
    lines += ["", "WHAT DESKHAND TRIED", f"- stopped because: {'; '.join(decision.reasons)}",
              f"- triage: {triage.category or 'unknown'} (confidence {triage.confidence:.2f}), "
              f"flags: {', '.join(triage.flags) or 'none'}"]
    lines += [f"  - {reason}" for reason in triage.flag_reasons]
    if matches:
        lines.append("- closest knowledge-base passages: " + "; ".join(
            f"{m.passage.title}{' › ' + m.passage.heading if m.passage.heading else ''} "
            f"[{m.passage.id}] ({m.score:.2f})" for m in matches))
    if checked and (checked.blocked or checked.unsupported):
        lines += [f"- reply blocked: {r}" for r in checked.blocked]
        lines += [f"- unsupported claim: {r}" for r in checked.unsupported]
    lines += ["", "CUSTOMER MOOD", f"- sentiment {triage.sentiment:+.2f}, frustration {triage.frustration:.2f}"]
    lines += ["", "NEXT STEP", f"- {_next_step(triage)}"] + ([f"- {CONFLICT_STEP}"] if disagreements else [])
    if done:
        lines += ["", "ACTIONS TAKEN"] + [f"- {d}" for d in done]
    if pending:
        lines += ["", "ACTIONS AWAITING APPROVAL"] + [f"- {p}" for p in pending]
    if declined:
        lines += ["", "ACTIONS NOT PROPOSED"] + [f"- {d}" for d in declined]
    score = round(1 - len(missing) / len(expected), 3)
    lines += ["", f"Case file completeness {score:.0%}" + (f" (missing: {', '.join(missing)})" if missing else "")]
    return CaseFile("\n".join(lines), score, missing)


def _said(fact: Fact) -> str:
    """The fact after the system that said it, in the same place on every line so sources line up."""
    return f"[{fact.said_by}] {fact.text}"


def _next_step(triage: Triage) -> str:
    for flag in sorted(triage.flags, key=lambda f: f not in URGENT):  # someone's safety first
        if flag in NEXT_STEP:
            return NEXT_STEP[flag]
    return CATEGORY_STEP.get(triage.category or "", "Read the message and the evidence above, then reply.")


def _gist(subject: str, message: str) -> str:
    """The subject, else the message's first sentence, in one short line."""
    text = subject.strip() or re.split(r"(?<=[.!?])\s", " ".join(message.split()), maxsplit=1)[0]
    return text if len(text) <= 120 else text[:119] + "…"
