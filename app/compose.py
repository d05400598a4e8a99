"""The words Deskhand writes: the public reply, the draft note, the escalation note. Pure.

The public reply is built only from the customer's name and a Help Center article;
internal notes and triage details never enter it (DESIGN §7.6).
"""
from __future__ import annotations

from .check import Checked
from .domain import Citation, Decision, Draft, Evidence, Ticket, Triage
from .knowledge import Match, html_to_text

AI_LABEL = "— Deskhand, an automated assistant. Reply to this message to reach a person."
MAX_ARTICLE_CHARS = 1200


def reply(ticket: Ticket, match: Match | None) -> Draft | None:
    """The answer built from the best article; the AI label is added after the check."""
    if match is None:
        return None
    first = (ticket.requester.name or "").split(" ")[0] or "there"
    article = match.article
    body = html_to_text(article.body_html)
    if len(body) > MAX_ARTICLE_CHARS:
        body = body[:MAX_ARTICLE_CHARS].rsplit("\n", 1)[0] + "\n…"
    text = (f"Hi {first},\n\nThanks for getting in touch. This should help:\n\n{body}\n\n"
            f"The full guide: {article.title} — {article.url}")
    return Draft(text=text, citations=(Citation(article.title, article.url, article.id),), score=match.score)


def draft_note(triage: Triage, decision: Decision, draft: Draft, checked: Checked) -> str:
    lines = ["Deskhand drafted a reply — review it, then send it or edit it.",
             f"Why not sent: {'; '.join(decision.reasons)}",
             _triage_line(triage),
             "Sources: " + "; ".join(f"{c.title} {c.url}" for c in draft.citations)]
    if checked.unsupported:
        lines += ["Claims no source supports:"] + [f"- {r}" for r in checked.unsupported]
    if checked.removed:
        lines += ["Removed from the text:"] + [f"- {r}" for r in checked.removed]
    return "\n".join(lines + ["", "----- proposed reply -----", checked.text, "--------------------------"])


def escalation_note(triage: Triage, decision: Decision, evidence: Evidence,
                    matches: list[Match], ticket: Ticket) -> str:
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
        lines.append("Closest help-center articles:")
        lines += [f"- {m.article.title} (match {m.score:.2f}) {m.article.url}" for m in matches]
    if evidence.gaps:
        lines.append("")
        lines.append("Could not check: " + "; ".join(f"{g.source} ({g.reason})" for g in evidence.gaps))
    return "\n".join(lines)


def _triage_line(triage: Triage) -> str:
    alts = ", ".join(f"{c} {p:.2f}" for c, p in triage.alternatives[:2])
    flags = ", ".join(triage.flags) or "none"
    return (f"Triage: {triage.category or 'unknown'} (confidence {triage.confidence:.2f}; next: {alts or '-'}) · "
            f"sentiment {triage.sentiment:+.2f} · frustration {triage.frustration:.2f} · flags: {flags}")
