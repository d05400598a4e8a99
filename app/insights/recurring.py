"""Recurring errors: bug-like tickets that report the same failure, however each customer words it.
Pure over tickets and their vectors.

A ticket is bug-like when it quotes an error code, or reads more like the example bug reports
below than like the other requests (in the multilingual encoder's space, so in any language).
Bug-like tickets are grouped by meaning, and groups quoting the same error code are joined: a
customer who pastes `ERR_PDF_RENDER_TIMEOUT` and one who describes the same failure in Spanish end
up together. A group is a recurring error from MIN_TICKETS tickets by MIN_PEOPLE people, when it
is new or growing: at least RISE times what the baseline before the window predicts, plus one (a
bug reported at the same steady rate for months is known, and each report already met the bug
tracker one by one)."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import numpy as np

from app.insights.records import TicketRecord
from app.insights.topics import JOIN_AT, JOIN_LEVELS, across_levels, clusters
from app.insights.words import names_in, typical_words

MIN_TICKETS = 5
MIN_PEOPLE = 3
RISE = 3.0  # as for topics; at 2 steady background bugs at the edge flipped with the baseline sample (tuning bench: 3 lines)
BASELINE_S = 56 * 86400
# An error code: words joined by _ or -, with an underscore or a digit (ERR_PDF_TIMEOUT, RX-504), or hex.
_CODE = re.compile(r"\b(?=[\w-]*[A-Za-z])(?=[\w-]*[_\d])[A-Za-z0-9]+(?:[_-][A-Za-z0-9]+)+\b|\b0x[0-9a-fA-F]{4,}\b")
BUG_EXAMPLES = (
    "I get an error message when I click the button", "The page crashes and shows an error code",
    "This feature is broken and stopped working", "It fails with an error every time I try",
    "The export fails and nothing is downloaded", "The screen stays blank and keeps loading",
    "The sync stopped working and shows an error")
OTHER_EXAMPLES = (
    "How do I set up this feature?", "Can you send me last month's invoice?", "I want to cancel my subscription",
    "Please add a new user to our account", "Why was I charged this amount?", "I forgot my password",
    "Thank you for your help", "Can I change my plan?", "Do you offer discounts for students?")


@dataclass(frozen=True)
class RecurringError:
    key: str  # stable while the group grows: its error code, else its founding ticket
    title: str
    codes: tuple[str, ...]
    tickets: tuple[str, ...]  # oldest first
    first_seen: float
    last_seen: float
    accounts: tuple[str, ...]


_LONG_NUMBER = re.compile(r"\d{4,}")


def codes(text: str) -> set[str]:
    """Error codes quoted in the text. An invoice, order or ticket number (INV-2026-13231, PO-86967)
    is not one: a code with a number of four digits or more is an id, not an error."""
    return {c.upper() for c in _CODE.findall(text)
            if not c.replace("-", "").isdigit() and (c.lower().startswith("0x") or not _LONG_NUMBER.search(c))}


def bug_like(vectors: np.ndarray, texts: list[str], examples: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    bug, other = examples
    reads_like_bug = (vectors @ bug.T).max(1) > (vectors @ other.T).max(1)
    return reads_like_bug | np.array([bool(codes(t)) for t in texts], dtype=bool)


def example_vectors(encoder=None) -> tuple[np.ndarray, np.ndarray]:
    if encoder is None:
        from app.knowledge.embeddings import multilingual
        encoder = multilingual()
    return encoder.encode(list(BUG_EXAMPLES)), encoder.encode(list(OTHER_EXAMPLES))


def find(tickets: list[TicketRecord], vectors: np.ndarray, start: float, end: float,
         examples: tuple[np.ndarray, np.ndarray], min_tickets: int = MIN_TICKETS,
         baseline_s: float = BASELINE_S, baseline_weight: float = 1.0,
         join_levels: tuple[float, ...] = JOIN_LEVELS) -> list[RecurringError]:
    """The recurring errors among the tickets created in (start, end], against (start - baseline_s, start]
    (`baseline_weight`: how many baseline tickets each one given stands for). Reports of one failure told
    without a code, in several languages and ways, sit as loosely as a topic's tickets, so bug-like
    tickets are grouped at the topics' closeness levels, kept as topics are (`topics.across_levels`)."""
    found = across_levels([_find_at(tickets, vectors, start, end, examples, min_tickets, baseline_s, baseline_weight, join_at)
                           for join_at in join_levels])
    return sorted(found, key=lambda e: len(e.tickets), reverse=True)


def _find_at(tickets, vectors, start, end, examples, min_tickets, baseline_s, baseline_weight,
             join_at: float) -> list[RecurringError]:
    inside = [i for i, t in enumerate(tickets) if start < t.created_at <= end]
    if not inside:
        return []
    before = [i for i, t in enumerate(tickets) if start - baseline_s < t.created_at <= start]
    if before:
        before = [i for i, k in zip(before, bug_like(vectors[before], [tickets[i].text for i in before], examples)) if k]
    texts = [tickets[i].text for i in inside]
    names = names_in(tickets[i].requester for i in inside)
    keep = bug_like(vectors[inside], texts, examples)
    bugs = [i for i, k in zip(inside, keep) if k]
    groups = _group(bugs, vectors, {i: codes(tickets[i].text) for i in bugs}, join_at)
    found = []
    for members in groups:
        people = {tickets[i].requester for i in members}
        if len(members) < min_tickets or len(people) < MIN_PEOPLE:
            continue
        members.sort(key=lambda i: (tickets[i].created_at, tickets[i].id))
        shared = _shared_codes([codes(tickets[i].text) for i in members])
        if len(members) < RISE * (_expected(tickets, vectors, members, before, set(shared),
                                                    baseline_weight * (end - start) / baseline_s, join_at) + 1):
            continue
        words = typical_words([tickets[i].text for i in members], texts, 3, names)
        title = f"{shared[0]}: " if shared else ""
        title += f"{len(members)} customer reports — " + " · ".join(words)
        key = shared[0] if shared else "ticket-" + tickets[members[0]].id
        found.append(RecurringError(
            key=hashlib.sha256(key.encode()).hexdigest()[:16], title=title, codes=tuple(shared),
            tickets=tuple(tickets[i].id for i in members), first_seen=tickets[members[0]].created_at,
            last_seen=tickets[members[-1]].created_at,
            accounts=tuple(sorted({tickets[i].account for i in members if tickets[i].account}))))
    return found


def _expected(tickets, vectors, members: list[int], before: list[int], shared: set[str], scale: float,
              join_at: float) -> float:
    """How many of this group's tickets the baseline predicts for the window: baseline bug reports of
    the same error. A group with a shared code is that code (its neighbours in meaning are other
    failures of the same feature); a group without one, the reports that would have joined it."""
    if not before:
        return 0.0
    if shared:
        return float(sum(bool(codes(tickets[i].text) & shared) for i in before)) * scale
    return float(((vectors[before] @ vectors[members].T).mean(1) >= join_at).sum()) * scale


def _group(bugs: list[int], vectors: np.ndarray, quoted: dict[int, set[str]], join_at: float) -> list[list[int]]:
    """Tickets quoting a common code form one group (whatever else they say); the others are grouped
    by meaning at `join_at`, and a group of those joins a code's group when it reads like it at the
    tightest level (JOIN_AT: looser, a code's group swallowed the other sign-in failures of its feature)."""
    counts: dict[str, int] = {}
    for i in bugs:
        for code in quoted[i]:
            counts[code] = counts.get(code, 0) + 1
    by_code: dict[str, list[int]] = {}
    rest = []
    for i in bugs:
        shared = sorted(c for c in quoted[i] if counts[c] >= 2)
        if not shared:
            rest.append(i)
            continue
        # a ticket quoting two shared codes joins the first; the codes' groups are merged below
        target = next((c for c in shared if c in by_code), shared[0])
        by_code.setdefault(target, []).append(i)
        for other in shared:
            if other != target and other in by_code and by_code[other] is not by_code[target]:
                by_code[target].extend(by_code.pop(other))
    coded = list(by_code.values())
    loose = [[rest[g] for g in group] for group in clusters(vectors[rest], join_at)] if rest else []
    for group in loose:
        near = [float((vectors[group] @ vectors[c].T).mean()) for c in coded]
        if near and max(near) >= JOIN_AT:
            coded[int(np.argmax(near))].extend(group)
        else:
            coded.append(group)
    return coded


def _shared_codes(per_ticket: list[set[str]]) -> list[str]:
    """Codes quoted by at least two tickets of the group, most quoted first."""
    counts: dict[str, int] = {}
    for found in per_ticket:
        for code in found:
            counts[code] = counts.get(code, 0) + 1
    return [c for c, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) if n >= 2]
