"""Retrain on the labelled history plus what the team taught since, and promote the new model only
when a held-back slice of recent tickets says it is at least as good as the current one.

The slice: the newest HOLD_BACK share (at least MIN_HELD) of the taught tickets the current model
never trained on. Neither model trains on it, so both are judged on the same unseen, recent
tickets — the ones most like tomorrow's. The candidate is kept either way (`deskhand model list`);
it becomes current only when it wins (or when an admin promotes it).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from app.learning import history, registry, scores
from app.reasoning import model_card
from app.reasoning.training_data import LabelledTicket, load_jsonl

HOLD_BACK = 0.25
MIN_HELD = 6


@dataclass(frozen=True)
class Result:
    status: str  # promoted | kept_as_candidate | nothing_to_learn | too_few_to_judge
    message: str
    version: str = ""
    evaluation: dict = field(default_factory=dict)


def retrain(db, data_dir: str, history_file: str = "", product_map=None, by: str = "retrain") -> Result:
    from app.knowledge.search import KnowledgeIndex
    from app.reasoning.classifier import load_current
    from app.reasoning.engine import Engine, train_model
    models_dir = model_card.models_dir(data_dir)
    history.learn_from_outcomes(db)
    taught = history.taught(db)
    if not taught:
        return Result("nothing_to_learn", "the team has taught nothing since the history file: no retrain")
    incumbent = load_current(models_dir)
    seen = set(incumbent.info.get("seen", ())) if incumbent else set()
    unseen = [t for t in taught if model_card.text_digest(t.text) not in seen]
    n_held = max(MIN_HELD, math.ceil(HOLD_BACK * len(unseen)))
    if len(unseen) < MIN_HELD + 1:
        return Result("too_few_to_judge", f"{len(unseen)} taught ticket(s) the current model has not seen; "
                      f"a retrain needs more than {MIN_HELD} to judge the new model on")
    held = unseen[-n_held:]
    held_keys = {(t.platform, t.ticket_id) for t in held}
    rest = [t for t in taught if (t.platform, t.ticket_id) not in held_keys]
    base = load_jsonl(history_file)[0] if history_file else []
    newer = {model_card.text_digest(t.text) for t in taught}  # the team's newer label replaces the file's
    tickets = [t for t in base if t.labelled and model_card.text_digest(t.body) not in newer]
    tickets += [LabelledTicket(id=f"{t.platform}:{t.ticket_id}", subject="", body=t.text, category=t.category)
                for t in rest]
    candidate = train_model(tickets, product_map)

    def judged(model) -> scores.Scores:
        engine = Engine(model, KnowledgeIndex([]), product_map)
        answers = [model.predict(engine.classifier_text("", t.text))[0] for t in held]
        return scores.score([p for _, p in answers], [label == t.category for (label, _), t in zip(answers, held)])

    mine = judged(candidate)
    theirs = judged(incumbent) if incumbent else None
    ok, why = scores.at_least_as_good(mine, theirs) if theirs else (True, "no current model yet")
    evaluation = {"held_back": len(held), "trained_on": len(tickets), "taught": len(taught),
                  "candidate": mine.as_dict(), "incumbent": theirs.as_dict() if theirs else None,
                  "incumbent_version": incumbent.version if incumbent else "", "promoted": ok, "why": why}
    registry.save_candidate(models_dir, candidate, evaluation)
    if ok:
        registry.promote(models_dir, candidate.version, by, why)
        return Result("promoted", f"model {candidate.version} is current: {why}", candidate.version, evaluation)
    return Result("kept_as_candidate", f"model {candidate.version} kept as a candidate, not promoted: {why}",
                  candidate.version, evaluation)
