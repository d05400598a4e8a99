"""`deskhand replay`: the whole decision pipeline in shadow over solved tickets, compared with what
the team did. Nothing is written anywhere: each ticket's first message goes through `think()` —
triage, retrieval, compose, check, decide — exactly as the worker runs it when the ticket arrives.

Compared with the humans: the category (the team's label), the action (Deskhand sending or
drafting against a person replying; escalating against a person escalating), and how close
Deskhand's reply is to the agent's first public reply (cosine of the packaged sentence
embeddings). The per-category precision, recall and proposed thresholds are `deskhand eval`'s
own (app/replay/evaluate.py), so the two reports agree.
"""
from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, replace

from app.core.domain import Comment, Policy, Requester, Ticket
from app.pipeline.think import Guardrails, think
from app.replay.evaluate import DRAFT_PRECISION, per_category, proposal_text
from app.replay.metrics import Prediction, accuracy
from app.replay.source import HumanTicket

SIMILARITY_BINS = 10
EXAMPLES = 25  # replies shown in the report's "would have been sent" sample


@dataclass(frozen=True)
class ReplayRow:
    ticket: HumanTicket
    predicted: str
    confidence: float
    action: str  # send | draft | escalate | solve | skip
    reasons: tuple[str, ...]
    reply: str = ""  # Deskhand's reply as it would have gone out (or been drafted), without the AI label
    similarity: float | None = None  # to the agent's first public reply, when both exist

    @property
    def correct(self) -> bool:
        return self.ticket.category is not None and self.ticket.category == self.predicted


def replay_policy(policy: Policy, auto: bool = False) -> Policy:
    """Shadow categories are replayed as what shadow records (a draft decision); with `auto`, every
    category that is not off is replayed in auto mode with its own thresholds, to see what would
    be sent."""
    def entry(e):
        if e.mode == "shadow" or (auto and e.mode != "off"):
            return replace(e, mode="auto" if auto else "draft")
        return e
    return Policy(entry(policy.default), tuple((c, entry(e)) for c, e in policy.categories))


def run(engine, policy: Policy, tickets: list[HumanTicket], rails: Guardrails = Guardrails(),
        progress=None) -> list[ReplayRow]:
    """Each ticket as it stood when its first message arrived (no comment but the customer's)."""
    rows = []
    for t in tickets:
        snapshot = Ticket(platform="replay", id=t.id, subject=t.subject, status="new",
                          requester=Requester(id="", name=t.requester.get("name", ""),
                                              email=t.requester.get("email", "")),
                          comments=(Comment(id=f"{t.id}-1", author_id="", role="customer", public=True,
                                            body=t.body, created_at=t.created_at),),
                          page_url=t.page_url, created_at=t.created_at)
        thought = think(engine, snapshot, t.subject, t.body, policy, rails=rails)
        reply = ""
        if thought.decision.action in ("send", "draft") and thought.checked is not None:
            reply = thought.checked.text.replace(rails.label(thought.draft.language), "").strip()
        rows.append(ReplayRow(t, thought.triage.category or "", thought.triage.confidence,
                              thought.decision.action, thought.decision.reasons, reply))
        if progress:
            progress(1)
    return rows


def with_similarity(rows: list[ReplayRow], encode=None) -> list[ReplayRow]:
    """Cosine similarity of Deskhand's reply to the agent's, in one batch of embeddings."""
    pairs = [i for i, r in enumerate(rows) if r.reply and r.ticket.agent_reply]
    if not pairs:
        return rows
    if encode is None:
        from app.knowledge.embeddings import encoder
        encode = encoder().encode
    vectors = encode([rows[i].reply for i in pairs] + [rows[i].ticket.agent_reply for i in pairs])
    n = len(pairs)
    out = list(rows)
    for k, i in enumerate(pairs):
        out[i] = replace(rows[i], similarity=round(float(vectors[k] @ vectors[n + k]), 4))
    return out


def report(rows: list[ReplayRow], target_precision: float, policy_name: str = "") -> dict:
    preds = [Prediction(r.ticket.category, r.predicted, r.confidence) for r in rows]
    table = per_category(preds, target_precision)
    cats = {}
    for category, base in table.items():
        mine = [r for r in rows if r.predicted == category]
        actions = Counter(r.action for r in mine)
        sent = [r for r in mine if r.action == "send"]
        sims = [r.similarity for r in mine if r.similarity is not None]
        human_escalated = [r for r in mine if r.ticket.human == "escalated"]
        cats[category] = {
            **base,
            "sent": actions["send"], "drafted": actions["draft"], "escalated": actions["escalate"],
            "skipped": actions["skip"],
            "coverage": _share(len(sent), len(mine)),
            # a sent reply is right when the category is and the team answered (did not escalate) it
            "send_precision": _share(sum(r.correct and r.ticket.human == "replied" for r in sent), len(sent)),
            "humans_escalated": len(human_escalated),
            "escalated_too": sum(r.action == "escalate" for r in human_escalated),
            "similarity": round(sum(sims) / len(sims), 4) if sims else None,
        }
    sims = [r.similarity for r in rows if r.similarity is not None]
    escalated_by_people = [r for r in rows if r.ticket.human == "escalated"]
    escalated_by_deskhand = [r for r in rows if r.action == "escalate"]
    sent = [r for r in rows if r.action == "send"]
    return {
        "n": len(rows), "policy": policy_name,
        "accuracy": accuracy(preds),
        "actions": dict(sorted(Counter(r.action for r in rows).items())),
        "humans": dict(sorted(Counter(r.ticket.human for r in rows).items())),
        "coverage": _share(len(sent), len(rows)),
        "send_precision": _share(sum(r.correct and r.ticket.human == "replied" for r in sent), len(sent)),
        # escalation against the team's: how many of theirs Deskhand escalated too, and how many of
        # Deskhand's the team had escalated
        "escalation_recall": _share(sum(r.action == "escalate" for r in escalated_by_people), len(escalated_by_people)),
        "escalation_precision": _share(sum(r.ticket.human == "escalated" for r in escalated_by_deskhand),
                                       len(escalated_by_deskhand)),
        "similarity": {"n": len(sims), "mean": round(sum(sims) / len(sims), 4) if sims else None,
                       "histogram": _histogram(sims)},
        "target_precision": target_precision, "draft_precision": DRAFT_PRECISION,
        "per_category": cats,
        # a random sample (the same every run), not the closest: what a reader should expect of a sent reply
        "examples": [_example(r) for r in sorted(random.Random(0).sample(sent, min(EXAMPLES, len(sent))),
                                                 key=lambda r: r.ticket.id)],
        "sent_n": len(sent),
    }


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _histogram(values: list[float]) -> list[int]:
    """Counts of similarities in ten bins over [0, 1] (a negative cosine counts in the first)."""
    counts = [0] * SIMILARITY_BINS
    for v in values:
        counts[min(SIMILARITY_BINS - 1, max(0, int(v * SIMILARITY_BINS)))] += 1
    return counts


def _example(r: ReplayRow) -> dict:
    return {"id": r.ticket.id, "category": r.predicted, "confidence": round(r.confidence, 4),
            "team_category": r.ticket.category, "human": r.ticket.human, "similarity": r.similarity,
            "subject": r.ticket.subject[:200], "message": r.ticket.body[:600], "reply": r.reply[:1500],
            "agent_reply": r.ticket.agent_reply[:1500]}


def format_table(result: dict) -> str:
    """The terminal table: one line per category, then the totals."""
    pct = lambda v: "-" if v is None else f"{100 * v:.0f}%"  # noqa: E731
    num = lambda v: "-" if v is None else f"{v:.2f}"  # noqa: E731
    head = (f"{'category':<18} {'tickets':>7} {'prec':>5} {'sent':>5} {'draft':>5} {'escal':>5} {'cover':>6}"
            f" {'sendOK':>6} {'sim':>5}  send_at@{pct(result['target_precision'])} draft_at@{pct(result['draft_precision'])}")
    lines = [head, "-" * len(head)]
    for cat, row in result["per_category"].items():
        lines.append(f"{cat[:18]:<18} {row['predicted']:>7} {pct(row['precision']):>5} {row['sent']:>5}"
                     f" {row['drafted']:>5} {row['escalated']:>5} {pct(row['coverage']):>6}"
                     f" {pct(row['send_precision']):>6} {num(row['similarity']):>5}"
                     f"  {proposal_text(row, 11, 12)}")
    a = result["actions"]
    trained = result.get("trained_on") or {}
    if trained.get("in_training_history"):
        lines += ["", (f"left out {trained['left_out']} tickets the model was trained on" if trained["left_out"] else
                       f"WARNING: {trained['in_training_history']} of these tickets are in the model's training "
                       "history; their figures flatter it")]
    lines += ["", f"{result['n']} tickets replayed in shadow (policy: {result['policy'] or 'in force'}): "
              f"sent {a.get('send', 0)}, drafted {a.get('draft', 0)}, escalated {a.get('escalate', 0)},"
              f" skipped {a.get('skip', 0)}",
              f"category accuracy {pct(result['accuracy'])}; sent replies right {pct(result['send_precision'])}; "
              f"the team's escalations Deskhand also escalated {pct(result['escalation_recall'])}, "
              f"Deskhand's escalations the team escalated too {pct(result['escalation_precision'])}",
              f"reply similarity to the agent's (cosine, {result['similarity']['n']} pairs): "
              f"mean {num(result['similarity']['mean'])}"]
    return "\n".join(lines)
