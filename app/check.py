"""Step 6, check: nothing goes public that a source does not back (DESIGN §1, §7.6). Pure.

Order matters: clean the text first (so a removed link cannot hide a claim), then look for
leaked internal text, then check every claim against the cited passages and tool facts, and
only then add the AI-disclosure line.
"""
from __future__ import annotations

from dataclasses import dataclass

from .claims import Source, check_claims, extract_claims
from .domain import Draft
from .knowledge import KnowledgeIndex
from .leaks import find_leaks
from .page_map import PREFIX as PAGE_MAP_PREFIX
from .sanitize import add_ai_label, sanitize


@dataclass(frozen=True)
class Checked:
    text: str  # what may be sent, disclosure line included
    blocked: tuple[str, ...] = ()  # leaks: never send, escalate
    unsupported: tuple[str, ...] = ()  # claims no source backs: a person reviews first
    removed: tuple[str, ...] = ()  # what the sanitiser took out

    @property
    def sendable(self) -> bool:
        return not (self.blocked or self.unsupported or self.removed)


def check_reply(text: str, sources: list[Source], internal_texts: list[str], canaries: list[str],
                allowed_hosts: set[str], ai_label: str) -> Checked:
    clean = sanitize(text, allowed_hosts)
    leaks = find_leaks(clean.text, internal_texts, canaries, allowed_texts=(ai_label,))
    report = check_claims(extract_claims(clean.text), sources)
    return Checked(text=add_ai_label(clean.text, ai_label), blocked=tuple(leaks),
                   unsupported=tuple(report.reasons), removed=tuple(clean.removed))


def cited_sources(draft: Draft, knowledge: KnowledgeIndex) -> list[Source]:
    """The passages a reply cites, as claim sources; a citation of an unknown passage backs nothing.
    Product-map steps travel with the draft (the index does not hold them); only ids in the map's
    own namespace are taken from there, so a draft cannot stand in for a knowledge-base passage."""
    by_id = {p.id: p for p in knowledge.passages}
    by_id.update({p.id: p for p in draft.page_passages if p.id.startswith(PAGE_MAP_PREFIX)})
    return [Source(c.passage_id, by_id[c.passage_id].embedded_text)
            for c in draft.citations if c.passage_id in by_id]
