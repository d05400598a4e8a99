"""Knowledge gaps: the questions Deskhand could not answer from the knowledge base, grouped by topic,
so writers know which article to add next.

A ticket is a gap when Deskhand escalated it because no passage supported a reply (app/policy/decide.py),
or when an agent rewrote its draft heavily or set it aside (app/outcomes): the article it used did not
do. Topics are groups of the messages' sentence embeddings
(the packaged multilingual encoder: a question and its translation land in one group), joined by
average-linkage clustering up to a cosine distance of TOPIC_DISTANCE; each group is named from its
most typical words (frequent in the group, rare elsewhere).
"""
from __future__ import annotations

import json
import re
import time
from collections import Counter
from dataclasses import dataclass

from app.learning.history import recorded_message
from app.outcomes import store as outcomes

NO_PASSAGE = "no knowledge-base passage supports a reply"
# Chosen on the sample company's history (500 tickets, 12 categories): 0.7 gave about three topics
# per category, the finest split that still kept a category's usual questions together.
TOPIC_DISTANCE = 0.7
EXAMPLES = 3
NAME_WORDS = 3
_WORD = re.compile(r"[^\W\d_]{3,}")


@dataclass(frozen=True)
class GapTicket:
    platform: str
    ticket_id: str
    message: str
    category: str
    why: str
    at: float


REWRITTEN = "an agent rewrote the draft"
# A draft with at least this share of its words changed (or discarded for the agent's own reply) did
# not answer: the article it came from is missing something. Half: below it an agent mostly adjusted.
REWRITE_MIN = 0.5


def unsupported_escalations(db, since: float) -> list[GapTicket]:
    """Escalated because no passage supported a reply, with the message triage read (same job)."""
    rows = db.execute(
        "SELECT d.platform, d.ticket_id, d.at, t.detail FROM audit AS d JOIN audit AS t"
        " ON t.platform = d.platform AND t.ticket_id = d.ticket_id AND t.job_id = d.job_id AND t.step = 'triage'"
        " WHERE d.step = 'decide' AND d.at >= ?"
        " AND json_extract(d.detail, '$.action') = 'escalate' AND d.detail LIKE ? ORDER BY d.id",
        [since, f"%{NO_PASSAGE}%"]).fetchall()
    out = []
    for platform, ticket_id, at, detail in rows:
        triage = json.loads(detail)
        if triage.get("message"):
            out.append(GapTicket(platform, ticket_id, triage["message"], triage.get("category") or "", NO_PASSAGE, at))
    return out


def rewritten_drafts(db, since: float) -> list[GapTicket]:
    """Drafts an agent rewrote heavily or set aside for a reply of their own (app/outcomes), with the
    message Deskhand classified."""
    out = []
    for row in outcomes.rows(db, since, ("draft_edited", "draft_discarded")):
        if row["kind"] == "draft_edited" and (row["value"] or 0) < REWRITE_MIN:
            continue
        message = recorded_message(db, row["platform"], row["ticket_id"])
        if message:
            out.append(GapTicket(row["platform"], row["ticket_id"], message, row["category"] or "", REWRITTEN,
                                 row["at"]))
    return out


def report(db, since: float, now: float | None = None) -> dict:
    """{"since", "tickets", "topics": [{"name", "words", "count", "categories", "examples"}]}, largest
    topic first; plain values, for `deskhand gaps` and the performance page."""
    tickets = unsupported_escalations(db, since) + rewritten_drafts(db, since)
    latest = {}
    for t in tickets:  # one entry per ticket: its latest reason
        latest[(t.platform, t.ticket_id)] = t
    tickets = list(latest.values())
    topics = []
    for members in _group([t.message for t in tickets]):
        chosen = [tickets[i] for i in members]
        words = typical_words([t.message for t in chosen], [t.message for t in tickets])
        topics.append({"name": " / ".join(words) or "(no common words)", "words": words, "count": len(chosen),
                       "categories": dict(Counter(t.category or "none" for t in chosen).most_common()),
                       "examples": [{"platform": t.platform, "ticket_id": t.ticket_id, "message": t.message[:300],
                                     "why": t.why} for t in sorted(chosen, key=lambda t: -t.at)[:EXAMPLES]]})
    topics.sort(key=lambda topic: (-topic["count"], topic["name"]))
    return {"since": since, "until": time.time() if now is None else now, "tickets": len(tickets), "topics": topics}


def _group(messages: list[str]) -> list[list[int]]:
    if len(messages) < 2:
        return [[i] for i in range(len(messages))]
    from sklearn.cluster import AgglomerativeClustering

    from app.knowledge.embeddings import multilingual
    vectors = multilingual().encode(messages)
    labels = AgglomerativeClustering(n_clusters=None, distance_threshold=TOPIC_DISTANCE, metric="cosine",
                                     linkage="average").fit_predict(vectors)
    groups: dict[int, list[int]] = {}
    for i, label in enumerate(labels):
        groups.setdefault(int(label), []).append(i)
    return list(groups.values())


def typical_words(group: list[str], everything: list[str], n: int = NAME_WORDS) -> list[str]:
    """The words most typical of the group: in many of its messages, few of the others (a smoothed
    ratio, so a word every gap shares — "hello", "please" — does not name one group)."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    def words(text: str) -> set[str]:
        return {w for w in map(str.lower, _WORD.findall(text)) if w not in ENGLISH_STOP_WORDS}
    inside = Counter(w for text in group for w in words(text))
    overall = Counter(w for text in everything for w in words(text))
    rest = max(1, len(everything) - len(group))

    def weight(w: str) -> float:
        return (inside[w] / len(group)) / ((overall[w] - inside[w] + 1) / (rest + 1))
    ranked = sorted((w for w, c in inside.items() if c >= max(2, len(group) // 3) or len(group) == 1),
                    key=lambda w: (-weight(w), -inside[w], w))
    return ranked[:n]
