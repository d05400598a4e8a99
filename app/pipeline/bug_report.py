"""Vague bug reports: what a report is missing, the one question that asks for it, and the
Linear issue it becomes once enough is known. Pure.

Engineers need four things to act on a report: the steps that lead to the problem, what was
expected against what happened, the page, and the browser or app version. Deskhand asks for the
missing ones once, in a single message; after that it files with what it has, marking the rest
as unknown, rather than asking the customer again.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlparse

from app.core.domain import Evidence, Ticket
from app.policy.action_plan import Proposal, level
from connectors.types import ASKED_BUG_DETAILS

BUG_CATEGORIES = {"bug_report"}
ASKED_TAG = ASKED_BUG_DETAILS  # on the ticket once the question went out (or into a draft)
ASPECTS = ("steps", "behaviour", "page", "environment")
# What each missing aspect is called in the question, in the order a customer would answer.
ASK = {
    "steps": "the steps that lead to the problem (what you clicked, in order)",
    "behaviour": "what you expected to happen and what happened instead (any error message helps)",
    "page": "the page or screen you were on (its address is ideal)",
    "environment": "the browser and version you use (or the app version)",
}
_STEPS = re.compile(
    r"(^|\n)\s*(\d+[.)]|-|\*|step \d)\s+\w|steps to reproduce|\b(when|after|once) i (click|press|tap|open|go|"
    r"select|choose|try|hit|save|upload|export|add|change|log|sign)|\bi (clicked|pressed|tapped|opened|went|"
    r"selected|chose|tried|saved|uploaded|exported|added|changed)\b.*\b(then|and)\b", re.IGNORECASE)
_BEHAVIOUR = re.compile(
    r"\bexpect(ed|ing)?\b|\bshould\b|\bsupposed to\b|\binstead\b|\berror\b|\bshows?\b|\bnothing happens\b|"
    r"\bblank\b|\bspins?\b|\bdoes nothing\b|\bfreez(es|e)\b|\bcrash(es|ed)?\b|\b(4|5)\d\d\b|\bfails? with\b|\bmissing\b",
    re.IGNORECASE)
_PAGE = re.compile(r"https?://\S+|\b(on|in|from) the [\w' -]{2,30}?\b(page|screen|tab|view|settings|editor|"
                   r"dashboard|report)\b", re.IGNORECASE)
_ENVIRONMENT = re.compile(
    r"\b(chrome|chromium|firefox|safari|edge|brave|opera|internet explorer)\b|\bversion \d|\bv\d+(\.\d+)+\b|"
    r"\b(ios|android|ipad|iphone|windows|macos|mac os|linux) ?\d*|\bapp version\b", re.IGNORECASE)
_WORDS = re.compile(r"[a-z0-9]{3,}")
_STOP = {"the", "and", "when", "with", "not", "does", "doesn", "for", "this", "that", "from", "our", "your",
         "have", "has", "but", "was", "are", "can", "cannot", "can't", "into", "after", "they", "them"}
LABELS = ("Bug", "Customer reported")  # Linear labels matched by name; a team without them files unlabelled
DUPLICATE_OVERLAP = 0.5  # share of the shorter title's words two titles must share to be one bug


@dataclass(frozen=True)
class BugFacts:
    present: tuple[str, ...]
    missing: tuple[str, ...]
    page: str = ""
    environment: str = ""

    @property
    def complete(self) -> bool:
        return not self.missing


def facts(ticket: Ticket, message: str) -> BugFacts:
    """Which aspects the customer's messages on this ticket (and the ticket's page field) give."""
    text = "\n".join([ticket.subject, *(c.body for c in ticket.customer_comments()), message])
    page_match = _PAGE.search(text)
    page = ticket.page_url or (page_match.group(0) if page_match else "")
    env = _ENVIRONMENT.search(text)
    found = {"steps": bool(_STEPS.search(text)), "behaviour": bool(_BEHAVIOUR.search(text)),
             "page": bool(page), "environment": bool(env)}
    return BugFacts(present=tuple(a for a in ASPECTS if found[a]), missing=tuple(a for a in ASPECTS if not found[a]),
                    page=page.strip(), environment=env.group(0).strip() if env else "")


def should_ask(category: str | None, ticket: Ticket, bug: BugFacts) -> bool:
    """Ask once, for a bug-like ticket missing key facts; never twice on one ticket."""
    return category in BUG_CATEGORIES and not bug.complete and ASKED_TAG not in ticket.tags


def question(ticket: Ticket, bug: BugFacts) -> str:
    """One message asking for everything missing at once (the AI label is added after the check)."""
    first = (ticket.requester.name or "").split(" ")[0] or "there"
    wanted = [ASK[a] for a in bug.missing]
    asks = wanted[0] if len(wanted) == 1 else "\n".join(f"- {w}" for w in wanted)
    lead = "could you tell us" + (":" if len(wanted) > 1 else "")
    return (f"Hi {first},\n\nThanks for reporting this. So our engineers can reproduce it quickly, {lead}"
            f"{chr(10) if len(wanted) > 1 else ' '}{asks}?")  # no promise: the claim check would stop one


def proposal(category: str | None, ticket: Ticket, message: str, bug: BugFacts, evidence: Evidence,
             ticket_link: str, configured: dict | None = None) -> list[Proposal]:
    """Add the report to the open issue it duplicates; or file a new issue once enough is known
    (every key fact, or whatever the customer gave after being asked once)."""
    lvl = level("bug_file", category, configured)
    if lvl == "never" or category not in BUG_CATEGORIES:
        return []
    title = bug_title(ticket, message, bug)
    description = _description(ticket, message, bug, ticket_link)
    duplicate = find_duplicate(title, evidence)
    if duplicate is None and not (bug.complete or ASKED_TAG in ticket.tags):
        return []  # a new issue waits until the customer had the chance to say more
    if duplicate is not None:
        identifier, url = duplicate
        comment = f"Another customer report (via Deskhand):\n\n{description}"
        return [Proposal("bug_file", {"duplicate_of": {"id": identifier, "identifier": identifier, "url": url},
                                      "comment": comment}, f"add this report to {identifier}", lvl)]
    return [Proposal("bug_file", {"title": title, "description": description, "labels": list(LABELS)},
                     f"file a bug: {title}", lvl)]


def bug_title(ticket: Ticket, message: str, bug: BugFacts) -> str:
    where = urlparse(bug.page).path.strip("/") if bug.page.startswith("http") else ""
    base = ticket.subject.strip() or " ".join(message.split())[:80]
    return (f"{base} ({where})" if where and where not in base else base)[:120]


def find_duplicate(title: str, evidence: Evidence) -> tuple[str, str] | None:
    """The open issue the gather step found whose title shares most of this one's words."""
    mine = _content(title)
    best = None
    for fact in evidence.of("issue"):
        theirs = _content(fact.text.split(" — ")[0].split(" ", 1)[-1])  # "ENG-12 Title — State"
        if not mine or not theirs or not fact.ref:
            continue
        overlap = len(mine & theirs) / min(len(mine), len(theirs))
        if overlap >= DUPLICATE_OVERLAP and (best is None or overlap > best[0]):
            best = (overlap, fact.ref, fact.link)
    return (best[1], best[2]) if best else None


def _content(text: str) -> set[str]:
    return {w.rstrip("s") for w in _WORDS.findall(text.lower()) if w not in _STOP}


def _description(ticket: Ticket, message: str, bug: BugFacts, ticket_link: str) -> str:
    """Structured fields first, the customer's own words after, as engineers read an issue."""
    text = "\n\n".join(c.body.strip() for c in ticket.customer_comments()) or message.strip()
    quoted = "\n".join(f"> {line}" for line in text.splitlines() if line.strip())[:3000]
    rows = [f"**Reported by:** {ticket.requester.name or ticket.requester.email or 'a customer'}"
            f" — ticket {ticket_link or '#' + ticket.id}",
            f"**Page:** {bug.page or 'unknown'}",
            f"**Browser / app version:** {bug.environment or 'unknown'}",
            f"**Steps given:** {'yes, below' if 'steps' in bug.present else 'no'}",
            f"**Expected vs actual given:** {'yes, below' if 'behaviour' in bug.present else 'no'}"]
    return "\n".join(rows) + "\n\n**Customer's report:**\n" + quoted
