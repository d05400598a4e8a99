"""What each ticket says about its account, in any language: how frustrated it reads, whether it
speaks of leaving, and whether it repeats an earlier ticket of the same account.

Frustration is the higher of two readings: the sentiment reader's (app/reasoning/sentiment.py:
English tone, repeated contact, shouting) and the sensitivity detector's own reading of the whole
ticket (app/reasoning/sensitivity.py), taken as the share it gives to the flags of an unhappy
customer (asking for a person, a legal or regulator threat, a dispute, distress).
That second reading runs on the multilingual vectors insights already has (app/insights/vectors.py)
and the detector's character n-grams, so it costs a matrix product, not a detector run, and works
in the 16 languages of the encoder. The detector's exact rules for leaving ("cancel our subscription")
count too: they are cheap, and the account's baseline must be read as its window is. Each reading names what it is based on: the tone words, or the
nearest flagged example of the detector's training data the ticket reads like.

A repeat is a ticket of the same account that reads like one it sent in the days before it
(cosine of the two tickets' vectors): the account wrote again about the same thing."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.insights.records import TicketRecord
from app.insights.vectors import MAX_CHARS
from app.reasoning import sentiment
from app.reasoning.sensitivity_rules import rule_matches

# The detector's flags that an unhappy customer raises. Distress is among them: the detector reads
# exasperated messages in several languages as partly "crisis" (measured on written examples). Not
# `churn` (a polite cancellation is an intent, read on its own, not a mood) nor `press` (mostly
# journalists and bloggers asking for a word).
UNHAPPY = ("human", "legal", "regulator", "chargeback", "crisis")
LEAVING = 0.5  # the whole ticket's probability of `churn` from which it speaks of leaving
REPEAT_AT = 0.45  # cosine from which a later ticket of the account is "about the same thing" (the tuning
# set's "Re:" follow-up reads 0.49 like its first ticket; unrelated tickets of one account ~0.1–0.3)
REPEAT_WITHIN_S = 14 * 86400


@dataclass(frozen=True)
class Reading:
    frustration: float  # 0..1, the higher of the two readings
    leaving: float  # 0..1, the detector's probability of `churn` for the whole ticket (1.0: a rule's words)
    why: str  # what the frustration is read from: "tone" or "reads like «example»"
    leaving_why: str = ""  # from LEAVING on: the example of leaving it reads like


def read(tickets: list[TicketRecord], vectors: np.ndarray, detector=None) -> list[Reading]:
    """Each ticket's reading (`vectors`: the tickets' from app/insights/vectors.py, in order)."""
    if not tickets:
        return []
    if detector is None:
        from app.reasoning.sensitivity import current
        detector = current()
    # the detector's regression on the whole text (the vectors' 300 characters), as it reads one part
    probs = detector.probabilities([t.text[:MAX_CHARS] for t in tickets], vectors)
    cols = [detector.labels.index(f) for f in UNHAPPY if f in detector.labels]
    unhappy = probs[:, cols].sum(1)
    # explained by the nearest complaint, never by a crisis example (a stranger's distress quoted in a CRM)
    explain = [c for c in cols if detector.labels[c] != "crisis"]
    leaving = probs[:, detector.labels.index("churn")] if "churn" in detector.labels else np.zeros(len(tickets))
    out = []
    for i, t in enumerate(tickets):
        tone = sentiment.score(t.text)[1]
        why = "tone" if tone >= unhappy[i] else _like(detector, detector.labels[explain[int(np.argmax(probs[i, explain]))]],
                                                      vectors[i])
        rule = next((words for flag, words in rule_matches(t.text) if flag == "churn"), "")
        out.append(Reading(round(max(tone, float(unhappy[i])), 3), 1.0 if rule else round(float(leaving[i]), 3), why,
                           f"rule: «{rule}»" if rule else _like(detector, "churn", vectors[i])
                           if leaving[i] >= LEAVING else ""))
    return out


def repeats(tickets: list[TicketRecord], vectors: np.ndarray, within_s: float = REPEAT_WITHIN_S,
            at: float = REPEAT_AT) -> dict[int, tuple[int, float]]:
    """For each ticket that repeats an earlier one of the same account sent within `within_s`
    before it: (the index of the closest such earlier ticket, their cosine)."""
    by_account: dict[str, list[int]] = {}
    for i in sorted(range(len(tickets)), key=lambda i: tickets[i].created_at):
        if tickets[i].account or tickets[i].requester:
            by_account.setdefault(tickets[i].account or tickets[i].requester, []).append(i)
    found = {}
    for order in by_account.values():
        if len(order) < 2:
            continue
        sims = vectors[order] @ vectors[order].T
        for b in range(1, len(order)):
            earlier = [a for a in range(b) if tickets[order[b]].created_at - tickets[order[a]].created_at <= within_s]
            if earlier:
                a = max(earlier, key=lambda a: sims[a, b])
                if sims[a, b] >= at:
                    found[order[b]] = (order[a], round(float(sims[a, b]), 2))
    return found


def _like(detector, flag: str, vector: np.ndarray) -> str:
    same = [k for k, f in enumerate(detector.example_flags) if f == flag]
    if not same:
        return f"reads as {flag}"
    k = same[int(np.argmax(detector.example_vectors[same] @ vector))]
    text = " ".join(detector.example_texts[k].split())
    return f"reads like «{text[:79] + '…' if len(text) > 80 else text}»"
