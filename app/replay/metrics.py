"""Measures of judgement: accuracy, macro-F1, calibration, coverage at a precision. Pure.

A prediction is (gold, predicted, confidence); gold None means out of scope, which is
never right when answered.
"""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from app.core import stats

PRECISIONS = (0.95, 0.97, 0.99)


@dataclass(frozen=True)
class Prediction:
    gold: str | None
    predicted: str
    confidence: float

    @property
    def correct(self) -> bool:
        return self.gold is not None and self.gold == self.predicted


def accuracy(preds: list[Prediction]) -> float | None:
    scoped = [p for p in preds if p.gold is not None]
    return round(sum(p.correct for p in scoped) / len(scoped), 4) if scoped else None


def macro_f1(preds: list[Prediction]) -> float | None:
    scoped = [p for p in preds if p.gold is not None]
    labels = sorted({p.gold for p in scoped})
    if not labels:
        return None
    scores = []
    for label in labels:
        tp = sum(p.gold == label and p.predicted == label for p in scoped)
        fp = sum(p.gold != label and p.predicted == label for p in scoped)
        fn = sum(p.gold == label and p.predicted != label for p in scoped)
        scores.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    return round(sum(scores) / len(scores), 4)


def ece(preds: list[Prediction], bins: int = 15) -> float | None:
    """Expected calibration error of the top confidence, equal-width bins, in-scope tickets."""
    scoped = [p for p in preds if p.gold is not None]
    if not scoped:
        return None
    buckets: dict[int, list[Prediction]] = defaultdict(list)
    for p in scoped:
        buckets[min(int(p.confidence * bins), bins - 1)].append(p)
    total = 0.0
    for members in buckets.values():
        conf = sum(p.confidence for p in members) / len(members)
        acc = sum(p.correct for p in members) / len(members)
        total += len(members) / len(scoped) * abs(conf - acc)
    return round(total, 4)


def threshold_for_precision(preds: list[Prediction], target: float) -> float | None:
    """The lowest confidence threshold whose answered set is at least `target` precise.

    Answered = confidence ≥ threshold. None when no threshold reaches the target.
    """
    ranked = sorted(preds, key=lambda p: -p.confidence)
    best, correct = None, 0
    for i, p in enumerate(ranked, start=1):
        correct += p.correct
        last_of_tie = i == len(ranked) or ranked[i].confidence < p.confidence
        if last_of_tie and correct / i >= target:
            best = p.confidence
    return best


def coverage_at(preds: list[Prediction], threshold: float | None) -> float:
    scoped = [p for p in preds if p.gold is not None]
    if threshold is None or not scoped:
        return 0.0
    return round(sum(p.confidence >= threshold for p in scoped) / len(scoped), 4)


def oos_recall_at(preds: list[Prediction], threshold: float | None) -> float | None:
    oos = [p for p in preds if p.gold is None]
    if not oos:
        return None
    if threshold is None:
        return 1.0  # nothing is answered at all
    return round(sum(p.confidence < threshold for p in oos) / len(oos), 4)


def at_oos_recall(preds: list[Prediction], target: float = 0.95) -> dict | None:
    """The lowest threshold that refuses `target` of the out-of-scope tickets, and the
    precision and coverage of what is answered there (None without out-of-scope tickets)."""
    oos = sorted(p.confidence for p in preds if p.gold is None)
    if not oos:
        return None
    must_refuse = math.ceil(target * len(oos))
    threshold = math.nextafter(oos[must_refuse - 1], 1.0)
    answered = [p for p in preds if p.confidence >= threshold]
    return {"threshold": round(threshold, 4), "oos_recall": oos_recall_at(preds, threshold),
            "precision": round(sum(p.correct for p in answered) / len(answered), 4) if answered else None,
            "coverage": coverage_at(preds, threshold)}


def precision_table(preds: list[Prediction], targets=PRECISIONS) -> dict:
    out = {}
    for target in targets:
        t = threshold_for_precision(preds, target)
        out[f"{target:.2f}"] = {"threshold": None if t is None else round(t, 4),
                                "coverage": coverage_at(preds, t),
                                "oos_recall": oos_recall_at(preds, t)}
    return out


def wilson(right: int, n: int, z: float = 1.96) -> tuple[float, float] | None:
    """95 % interval for a share of `right` out of `n` (app/core/stats.py), to four places for reports."""
    interval = stats.wilson(right, n, z)
    return None if interval is None else (round(interval[0], 4), round(interval[1], 4))
