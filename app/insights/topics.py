"""Rising topics: recent tickets grouped by meaning, each group compared with how often the same
kind of ticket came in over a trailing baseline. Pure over tickets and their vectors.

A topic is rising when the window holds at least MIN_COUNT of its tickets from MIN_PEOPLE different
people, and at least RISE times what the baseline rate predicts (plus one, so a topic the baseline
never saw needs real volume, not one lucky week).

How close tickets must be to make one topic depends on how customers word it: the same problem told
in five languages and five ways sits looser (mean cosine about 0.42) than one told in a shared
phrase, and a loose grouping of a common subject swallows its baseline and no longer rises. So the
window is grouped at several closeness levels (JOIN_LEVELS), tightest first, and a rising group is
kept unless it mostly repeats one already kept; a looser group that holds a kept one and still rises
replaces it (more of the topic's tickets).

A change that confuses the customers of one plan tier is a large share of that tier's tickets but a
small one of everyone's, and its tickets, told in several languages, rarely make one tight group: among
all tickets its looser groups take in dozens of other billing questions and no longer rise. So topics
are also found within each tier (`tier_of`), against that tier's own baseline, and merged with the
others as the levels are. On the plant sets fresh6 to fresh12 (`scripts/bench_insights.py`, seeds 7 and
11) the planted tier's change was then found in 7 runs of 14, against 5 of 14 among all tickets alone,
and no topic came up that had not before; on fresh13, measured once after, nothing changed (found at
seed 11 either way)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from app.insights.records import TicketRecord
from app.insights.words import names_in, typical_words

DAY_S = 86400
JOIN_AT = 0.5  # cosine a ticket needs, on average, with a group to join it (average linkage)
JOIN_LEVELS = (JOIN_AT, 0.45, 0.4)
MIN_COUNT = 5
MIN_PEOPLE = 3
MIN_ACCOUNTS = 3  # customers (organizations) a topic found within one plan tier reaches
OTHER_TIERS = 2  # ... and at most half as many of the window's tickets of other tiers would join it
RISE = 3.0


@dataclass(frozen=True)
class Topic:
    name: str  # its most typical words
    representative: str  # the ticket closest to the group's centre
    subject: str  # that ticket's subject
    tickets: tuple[str, ...]  # ids in the window, closest to the centre first
    count: int
    expected: float  # what the baseline rate predicts for the window
    baseline_count: int  # baseline tickets of this kind


def window(tickets: list[TicketRecord], start: float, end: float) -> list[int]:
    return [i for i, t in enumerate(tickets) if start < t.created_at <= end]


def clusters(vectors: np.ndarray, join_at: float = JOIN_AT) -> list[list[int]]:
    """Groups of row indices, largest first (single rows included)."""
    if len(vectors) < 2:
        return [[i] for i in range(len(vectors))]
    from sklearn.cluster import AgglomerativeClustering
    labels = AgglomerativeClustering(n_clusters=None, distance_threshold=1 - join_at, metric="cosine",
                                     linkage="average").fit_predict(vectors)
    groups: dict[int, list[int]] = {}
    for i, label in enumerate(labels):
        groups.setdefault(int(label), []).append(i)
    return sorted(groups.values(), key=len, reverse=True)


def rising(tickets: list[TicketRecord], vectors: np.ndarray, now: float, since_s: float,
           baseline_s: float = 56 * DAY_S, min_count: int = MIN_COUNT, rise: float = RISE,
           join_levels: tuple[float, ...] = JOIN_LEVELS, baseline_weight: float = 1.0,
           tier_of: Callable[[TicketRecord], str] | None = None) -> list[Topic]:
    """The topics of the window (now - since_s, now] rising against (window start - baseline_s, window start],
    at any of `join_levels`; `baseline_weight`: how many baseline tickets each one given stands for
    (when the baseline is sampled); `tier_of`: a ticket's plan tier ("" if unknown), to look within
    each tier too."""
    def found(rows: list[int]) -> list[Topic]:
        subset, sub = [tickets[i] for i in rows], vectors[rows]
        return across_levels([_rising_at(subset, sub, now, since_s, baseline_s, min_count, rise, join_at,
                                         baseline_weight) for join_at in join_levels])
    everyone = list(range(len(tickets)))
    per_level = [found(everyone)]
    if tier_of is not None:
        tiers = [tier_of(t) for t in tickets]
        where = {t.id: i for i, t in enumerate(tickets)}
        recent = window(tickets, now - since_s, now)
        for tier in sorted(set(tiers) - {""}):
            others = [i for i in recent if tiers[i] != tier]
            per_level.append([topic for topic in found([i for i in everyone if tiers[i] == tier])
                              if _the_tiers_own([where[i] for i in topic.tickets], others, tickets, vectors)])
    return sorted(across_levels(per_level), key=lambda t: t.count / (t.expected + 1), reverse=True)


def _the_tiers_own(members: list[int], others: list[int], tickets: list[TicketRecord], vectors: np.ndarray) -> bool:
    """A topic found within one tier (its tickets: `members`) is that tier's when it reaches several of its
    customers (one account's own story is not the tier's) and few of the window's tickets of other tiers
    (`others`) would join it (a question every tier asks, refunds say, is not a change to one tier)."""
    if len({tickets[i].account for i in members} - {""}) < MIN_ACCOUNTS:
        return False
    joining = int(((vectors[others] @ vectors[members].T).mean(1) >= JOIN_LEVELS[-1]).sum()) if others else 0
    return joining * OTHER_TIERS <= len(members)


def across_levels(found_per_level: list[list]) -> list:
    """What was found at each closeness level (tightest first; anything with `tickets`), each kept unless it
    mostly repeats one already kept; a looser one that holds more than the kept ones it overlaps replaces them."""
    kept: list = []
    for found in found_per_level:
        for group in found:
            overlapping = [k for k in kept if len(set(k.tickets) & set(group.tickets)) * 2 > len(k.tickets)]
            if overlapping and not all(set(k.tickets) < set(group.tickets) for k in overlapping):
                continue  # mostly a group already kept, told apart differently (or the same group again)
            kept = [k for k in kept if k not in overlapping] + [group]
    return kept


def _rising_at(tickets: list[TicketRecord], vectors: np.ndarray, now: float, since_s: float, baseline_s: float,
               min_count: int, rise: float, join_at: float, baseline_weight: float) -> list[Topic]:
    recent = window(tickets, now - since_s, now)
    base = window(tickets, now - since_s - baseline_s, now - since_s)
    if not recent:
        return []
    found = []
    texts = [tickets[i].text for i in recent]
    names = names_in(tickets[i].requester for i in recent)
    for group in clusters(vectors[recent], join_at):
        members = [recent[g] for g in group]
        if len(members) < min_count or len({tickets[i].requester for i in members}) < MIN_PEOPLE:
            continue
        centre = vectors[members].mean(0)
        centre /= np.linalg.norm(centre) or 1.0
        closeness = vectors[members] @ centre
        # a baseline ticket is of this kind when it would have joined the group: the same test as clustering
        before = int(((vectors[base] @ vectors[members].T).mean(1) >= join_at).sum()) if base else 0
        expected = before * baseline_weight * since_s / baseline_s
        if len(members) < rise * (expected + 1):
            continue
        order = [members[k] for k in np.argsort(-closeness)]
        words = typical_words([tickets[i].text for i in members], texts, names=names)
        found.append(Topic(name=" · ".join(words), representative=tickets[order[0]].id,
                           subject=tickets[order[0]].subject, tickets=tuple(tickets[i].id for i in order),
                           count=len(members), expected=round(expected, 2), baseline_count=before))
    return found
