"""Step 6, check: nothing goes public that a source does not back (DESIGN §1, §7.6). Pure.

Order matters: clean the text first (so a removed link cannot hide a claim), then look for
leaked internal text, then check every claim against the cited passages and tool facts, and
only then add the AI-disclosure line.

No writer is trusted (DESIGN §7, promise 10): the model may have been told what to write by the
ticket. So besides the claims check, every amount and commitment in any language must be stated
by one cited source sentence (`commitments`), every link, domain, e-mail address and phone number
must be on the allow-list or in a source (`addresses`), no card number, IBAN or key may appear
(`redaction`), and no text of our own prompts or posing as internal may appear (`leaks`).
"""
from __future__ import annotations

from dataclasses import dataclass

from app.checks import addresses, commitments, redaction
from app.checks.claims import Source, check_claims, extract_claims
from app.checks.leaks import find_leaks, posing_as_internal, talks_about_its_instructions
from app.checks.sanitize import add_ai_label, sanitize
from app.core.domain import Draft
from app.knowledge.page_map import PREFIX as PAGE_MAP_PREFIX
from app.knowledge.search import KnowledgeIndex


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
                allowed_hosts: set[str], ai_label: str, requester_email: str = "",
                prompt_texts: list[str] = ()) -> Checked:
    """`prompt_texts`: our prompts' own words (`prompts.own_texts()`), which must never be repeated."""
    clean = sanitize(text, allowed_hosts)
    source_texts = [s.text for s in sources]
    leaks = find_leaks(clean.text, [*internal_texts, *prompt_texts], canaries,
                       allowed_texts=(ai_label, *source_texts))
    leaks += posing_as_internal(clean.text) + talks_about_its_instructions(clean.text)
    leaks += [f"the reply contains a {kind} ({redaction.LABEL[kind]})"
              for kind in dict.fromkeys(s.kind for s in redaction.find(clean.text))]
    leaks += [f"the reply contains what looks like a credential ({token[:4]}…), which no source gives"
              for token in redaction.secret_shaped(addresses.URL.sub(" ", clean.text))
              if not any(token in source for source in source_texts)]
    off_list, other_people = _addresses(clean.text, source_texts, allowed_hosts, requester_email)
    report = check_claims(extract_claims(clean.text), sources)
    return Checked(text=add_ai_label(clean.text, ai_label), blocked=tuple(leaks + other_people),
                   unsupported=tuple(report.reasons + commitments.unsupported(clean.text, source_texts) + off_list),
                   removed=tuple(clean.removed))


def _addresses(text: str, sources: list[str], hosts: set[str], requester_email: str) -> tuple[list[str], list[str]]:
    """(addresses off the allow-list, e-mail addresses of someone else). An address a cited source
    gives is fine; the requester's own e-mail is the only personal address a reply may hold."""
    in_sources = {(a.kind, a.host) for s in sources for a in addresses.find(s)}
    off_list, others = [], []
    for a in addresses.find(text):
        if (a.kind, a.host) in in_sources or (a.kind != "phone" and addresses.allowed(a.host, hosts)):
            continue
        if a.kind == "email" and a.text.lower() != (requester_email or "").lower():
            others.append(f"the reply contains an e-mail address that is not the requester's: {a.text[:60]}")
        elif a.kind != "email":
            off_list.append(f"the reply points to {a.text[:60]} ({a.kind}), which no source or allow-list has")
    return list(dict.fromkeys(off_list)), list(dict.fromkeys(others))


def cited_sources(draft: Draft, knowledge: KnowledgeIndex) -> list[Source]:
    """The passages a reply cites, as claim sources; a citation of an unknown passage backs nothing.
    Product-map steps travel with the draft (the index does not hold them); only ids in the map's
    own namespace are taken from there, so a draft cannot stand in for a knowledge-base passage."""
    by_id = {p.id: p for p in knowledge.passages}
    by_id.update({p.id: p for p in draft.page_passages if p.id.startswith(PAGE_MAP_PREFIX)})
    return [Source(c.passage_id, by_id[c.passage_id].embedded_text)
            for c in draft.citations if c.passage_id in by_id] + [Source(i, text, "fact") for i, text in draft.facts]
