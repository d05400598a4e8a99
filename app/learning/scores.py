"""How good a model is on a slice of tickets it did not train on. Pure.

Three questions, each a reason to keep the old model: is it right as often (accuracy); can it
answer as many tickets on its own (coverage: the largest share of the slice, most confident
first, whose answers are still TARGET_PRECISION right); does its confidence mean what it says
(calibration: Brier score, and expected calibration error over ten bins, reported).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

from app.reasoning.classifier import TARGET_PRECISION

BINS = 10
# Brier scores on a few dozen tickets move by this much between two equally good models; a
# candidate may be this much worse calibrated and still count as at least as good.
BRIER_SLACK = 0.02


@dataclass(frozen=True)
class Scores:
    n: int
    accuracy: float
    coverage: float  # at TARGET_PRECISION
    brier: float
    ece: float

    def as_dict(self) -> dict:
        return asdict(self)


def score(confidences: list[float], right: list[bool]) -> Scores:
    n = len(right)
    if n == 0:
        return Scores(0, 0.0, 0.0, 0.0, 0.0)
    order = sorted(range(n), key=lambda i: -confidences[i])
    hits, covered = 0, 0
    for k, i in enumerate(order, start=1):
        hits += right[i]
        if hits / k >= TARGET_PRECISION:
            covered = k
    brier = sum((c - r) ** 2 for c, r in zip(confidences, right)) / n
    ece = 0.0
    for b in range(BINS):
        members = [i for i in range(n) if min(int(confidences[i] * BINS), BINS - 1) == b]
        if members:
            gap = sum(confidences[i] for i in members) / len(members) - sum(right[i] for i in members) / len(members)
            ece += len(members) / n * abs(gap)
    return Scores(n, round(sum(right) / n, 4), round(covered / n, 4), round(brier, 4), round(ece, 4))


def at_least_as_good(candidate: Scores, incumbent: Scores) -> tuple[bool, str]:
    """Whether the candidate may replace the incumbent, and why (or why not)."""
    worse = []
    if candidate.accuracy < incumbent.accuracy:
        worse.append(f"accuracy {candidate.accuracy:.1%} < {incumbent.accuracy:.1%}")
    if candidate.coverage < incumbent.coverage:
        worse.append(f"coverage at {TARGET_PRECISION:.0%} precision {candidate.coverage:.1%} < {incumbent.coverage:.1%}")
    if candidate.brier > incumbent.brier + BRIER_SLACK:
        worse.append(f"Brier score {candidate.brier:.3f} > {incumbent.brier:.3f} + {BRIER_SLACK}")
    if worse:
        return False, "worse on the held-back slice: " + "; ".join(worse)
    return True, (f"at least as good on the held-back slice: accuracy {candidate.accuracy:.1%} vs {incumbent.accuracy:.1%},"
                  f" coverage {candidate.coverage:.1%} vs {incumbent.coverage:.1%},"
                  f" Brier {candidate.brier:.3f} vs {incumbent.brier:.3f}")
