"""The words Deskhand writes: the public reply, the draft note, the escalation note. Pure.

The public reply is built only from the customer's name and knowledge-base passages;
internal notes and triage details never enter it (DESIGN §7.6). It is written in the language
of the passage it quotes (search finds only passages in the customer's language), framed by
that language's phrases; without phrases for it there is no reply.
"""
from __future__ import annotations

import re
from urllib.parse import urlparse

from app.checks.check import Checked
from app.core.domain import Citation, Decision, Draft, Ticket, Triage
from app.core.phrases import DEFAULT_AI_LABEL, greeting, phrases
from app.knowledge.page_map import Page, Task
from app.knowledge.passages import Passage
from app.knowledge.search import KnowledgeIndex, Match

AI_LABEL = DEFAULT_AI_LABEL
MAX_REPLY_CHARS = 1400
_WORD = re.compile(r"[a-z]{3,}")
_URL_NOISE = {"www", "com", "app", "http", "https", "html", "new", "edit", "view"}


def reply(ticket: Ticket, match: Match | None, index: KnowledgeIndex,
          page: Page | None = None, task: Task | None = None) -> Draft | None:
    """The answer built from the best passage and its article; the AI label is added after the check.
    With the customer on a mapped page whose task the message asks for, that task's steps come first
    and the article contributes its best passage only (its other step sections would repeat them)."""
    language = match.passage.language if match else ""
    words = phrases(language)
    if match is None or words is None:
        return None
    steps = page.area.passage(task) if page and task else None
    if steps is not None and steps.language != language:  # the product map's steps are in English
        steps = None
    chosen = [match.passage] if steps else passages_for_reply(
        index.article(match.passage.article_key) or [match.passage], match.passage,
        page.url if page else ticket.page_url)
    first = (ticket.requester.name or "").split(" ")[0]
    blocks = [f"{p.heading}:\n{p.text}" if p.heading and p.text else p.text or p.heading for p in chosen]
    body = "\n\n".join(blocks)
    if len(body) > MAX_REPLY_CHARS:
        body = body[:MAX_REPLY_CHARS].rsplit("\n", 1)[0] + "\n…"
    if steps:
        body = f"On the {page.area.name} page:\n{steps.text}\n\n{body}"
    article = match.passage
    link = f"{words.guide} {article.title}" + (f" — {article.url}" if article.url else "")
    text = f"{greeting(language, first)}\n\n{words.intro}\n\n{body}\n\n{link}"
    cited = chosen + ([steps] if steps else [])
    return Draft(text=text, citations=tuple(Citation(p.title, p.url, p.id) for p in cited),
                 score=match.score, page_passages=(steps,) if steps else (), language=language)


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


def _cite(c: Citation) -> str:
    return f"{c.title} [{c.passage_id}] {c.url}".rstrip()


def _triage_line(triage: Triage) -> str:
    alts = ", ".join(f"{c} {p:.2f}" for c, p in triage.alternatives[:2])
    flags = ", ".join(triage.flags) or "none"
    return (f"Triage: {triage.category or 'unknown'} (confidence {triage.confidence:.2f}; next: {alts or '-'}) · "
            f"sentiment {triage.sentiment:+.2f} · frustration {triage.frustration:.2f} · flags: {flags}")
