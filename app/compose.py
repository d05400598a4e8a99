"""The words Deskhand writes: the public reply, the draft note, the escalation note. Pure.

The public reply is built only from the customer's name and knowledge-base passages;
internal notes and triage details never enter it (DESIGN §7.6).
"""
from __future__ import annotations

import re
from urllib.parse import urlparse

from .check import Checked
from .domain import Citation, Decision, Draft, Evidence, Ticket, Triage
from .knowledge import KnowledgeIndex, Match
from .passages import Passage

AI_LABEL = "— Deskhand, an automated assistant. Reply to this message to reach a person."
MAX_REPLY_CHARS = 1400
_WORD = re.compile(r"[a-z]{3,}")
_URL_NOISE = {"www", "com", "app", "http", "https", "html", "new", "edit", "view"}


def reply(ticket: Ticket, match: Match | None, index: KnowledgeIndex) -> Draft | None:
    """The answer built from the best passage and its article; the AI label is added after the check."""
    if match is None:
        return None
    chosen = passages_for_reply(index.article(match.passage.article_key) or [match.passage],
                                match.passage, ticket.page_url)
    first = (ticket.requester.name or "").split(" ")[0] or "there"
    blocks = [f"{p.heading}:\n{p.text}" if p.heading and p.text else p.text or p.heading for p in chosen]
    body = "\n\n".join(blocks)
    if len(body) > MAX_REPLY_CHARS:
        body = body[:MAX_REPLY_CHARS].rsplit("\n", 1)[0] + "\n…"
    article = match.passage
    link = f"The full guide: {article.title} — {article.url}" if article.url else f"The full guide: {article.title}"
    text = f"Hi {first},\n\nThanks for getting in touch. This should help:\n\n{body}\n\n{link}"
    return Draft(text=text, citations=tuple(Citation(p.title, p.url, p.id) for p in chosen),
                 score=match.score)


def passages_for_reply(article: list[Passage], best: Passage, page_url: str = "") -> list[Passage]:
    """The best passage, with the steps for the page the customer is on when the article has
    steps for several pages; a passage without steps brings the article's steps along."""
    steps = [p for p in article if p.has_steps]
    on_page = page_section(steps, page_url)
    chosen = [best]
    if on_page is not None and on_page is not best:
        chosen = [p for p in (best,) if not p.has_steps] + [on_page]
    elif not best.has_steps and steps:
        chosen = [best, steps[0]]
    return sorted(chosen, key=lambda p: p.position)


def page_section(steps: list[Passage], page_url: str) -> Passage | None:
    """The one step section whose heading names the page (by the words in its URL path)."""
    if len(steps) < 2 or not page_url:
        return None
    words = {w.rstrip("s") for w in _WORD.findall(urlparse(page_url).path.lower())} - _URL_NOISE
    overlap = [(len(words & {w.rstrip("s") for w in _WORD.findall(p.heading.lower())}), p) for p in steps]
    best = max(n for n, _ in overlap)
    winners = [p for n, p in overlap if n == best]
    return winners[0] if best > 0 and len(winners) == 1 else None


def draft_note(triage: Triage, decision: Decision, draft: Draft, checked: Checked) -> str:
    lines = ["Deskhand drafted a reply — review it, then send it or edit it.",
             f"Why not sent: {'; '.join(decision.reasons)}",
             _triage_line(triage),
             "Sources: " + "; ".join(_cite(c) for c in draft.citations)]
    if checked.unsupported:
        lines += ["Claims no source supports:"] + [f"- {r}" for r in checked.unsupported]
    if checked.removed:
        lines += ["Removed from the text:"] + [f"- {r}" for r in checked.removed]
    return "\n".join(lines + ["", "----- proposed reply -----", checked.text, "--------------------------"])


def escalation_note(triage: Triage, decision: Decision, evidence: Evidence,
                    matches: list[Match], ticket: Ticket, checked: Checked | None = None) -> str:
    lines = [
        "Deskhand escalated this ticket to a person.",
        f"Why: {'; '.join(decision.reasons)}",
        _triage_line(triage),
    ]
    if triage.issues:
        lines.append(f"Requests in this message: {', '.join(triage.issues)}")
    lines.append(f"Requester: {ticket.requester.name} <{ticket.requester.email}>")
    if ticket.page_url:
        lines.append(f"Customer was on: {ticket.page_url}")
    history = [f for f in evidence.facts if f.source == "helpdesk.history"]
    lines.append("")
    lines.append(f"Requester's tickets in the last 90 days: {len(history) or 'none'}")
    lines += [f"- {f.text}" + (f" ({f.link})" if f.link else "") for f in history[:5]]
    if matches:
        lines.append("")
        lines.append("Closest knowledge-base passages:")
        lines += [f"- {_title(m.passage)} (match {m.score:.2f}) [{m.passage.id}] {m.passage.url}".rstrip()
                  for m in matches]
    if checked and (checked.blocked or checked.unsupported):
        lines.append("")
        lines.append("The reply Deskhand wrote failed its check:")
        lines += [f"- blocked: {r}" for r in checked.blocked] + [f"- unsupported claim: {r}" for r in checked.unsupported]
    if evidence.gaps:
        lines.append("")
        lines.append("Could not check: " + "; ".join(f"{g.source} ({g.reason})" for g in evidence.gaps))
    return "\n".join(lines)


def _cite(c: Citation) -> str:
    return f"{c.title} [{c.passage_id}] {c.url}".rstrip()


def _title(p: Passage) -> str:
    return f"{p.title} › {p.heading}" if p.heading else p.title


def _triage_line(triage: Triage) -> str:
    alts = ", ".join(f"{c} {p:.2f}" for c, p in triage.alternatives[:2])
    flags = ", ".join(triage.flags) or "none"
    return (f"Triage: {triage.category or 'unknown'} (confidence {triage.confidence:.2f}; next: {alts or '-'}) · "
            f"sentiment {triage.sentiment:+.2f} · frustration {triage.frustration:.2f} · flags: {flags}")
