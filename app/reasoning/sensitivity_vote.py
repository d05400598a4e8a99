"""The nearest examples' vote: the second reader of the learned sensitivity detector. Pure.

The regression (`sensitivity.py`) draws one boundary through all its examples; a message worded like a
handful of them but unlike the rest can fall on the wrong side of it. The vote asks the examples
themselves: the K training parts closest to the whole message (multilingual vectors, cosine), each
weighing more the closer it is, and the share of that weight held by parts of flagged examples. It
reads the whole message only: a sentence of an ordinary e-mail finds a flagged example near it far more
often than a whole message does (measured: voting on every sentence flagged 106 of 180 everyday
e-mails against 49, on the whole message 55).
"""
from __future__ import annotations

import numpy as np

K = 10
SHARPNESS = 10.0  # weight exp(SHARPNESS × cosine): a part 0.1 closer counts e (2.7) times as much


def votes(vectors: np.ndarray, bank: np.ndarray, flags: np.ndarray,
          leave_out: list[np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """For each of `vectors` (L2-normalised rows): the share of its K nearest `bank` rows' weight that
    is flagged (`flags[row]` not ""), and the flagged row that counts most (-1 when none is near).
    `leave_out[i]`: rows of the bank the i-th vector may not use (its own example's, when the vote on
    training examples is held out)."""
    sims = vectors @ bank.T
    if leave_out is not None:
        for i, rows in enumerate(leave_out):
            sims[i, rows] = -np.inf
    k = min(K, bank.shape[0])
    nearest = np.argpartition(-sims, k - 1, axis=1)[:, :k]
    closeness = np.take_along_axis(sims, nearest, 1)
    weight = np.where(np.isfinite(closeness), np.exp(SHARPNESS * np.nan_to_num(closeness, neginf=-1.0)), 0.0)
    flagged = (flags[nearest] != "") & (weight > 0)  # a row left out is no neighbour
    share = (weight * flagged).sum(1) / np.maximum(weight.sum(1), 1e-12)
    best = np.where(flagged.any(1), np.take_along_axis(nearest, np.argmax(np.where(flagged, weight, -1), 1)[:, None],
                                                        1)[:, 0], -1)
    return share, best


def vote(vector: np.ndarray, bank: np.ndarray, flags: np.ndarray) -> tuple[float, str, int]:
    """One message's vote: the flagged share of its K nearest rows' weight, the flag those rows weigh
    most for ("" when none of them is flagged) and the flagged row that weighs most (-1: none). One
    product with the bank: it is most of the vote's time (2 ms for 24,000 parts)."""
    sims = bank @ vector
    k = min(K, bank.shape[0])
    nearest = np.argpartition(-sims, k - 1)[:k]
    weight = np.exp(SHARPNESS * sims[nearest])
    tally: dict[str, float] = {}
    for row, w in zip(nearest, weight):
        if flags[row]:
            tally[flags[row]] = tally.get(flags[row], 0.0) + float(w)
    if not tally:
        return 0.0, "", -1
    flagged = [i for i, row in enumerate(nearest) if flags[row]]
    best = int(nearest[max(flagged, key=lambda i: weight[i])])
    return sum(tally.values()) / float(weight.sum()), max(tally, key=tally.get), best
