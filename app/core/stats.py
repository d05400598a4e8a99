"""Wilson's score interval, shared by the replay's proposals and the autonomy ladder. Pure."""
from __future__ import annotations

import math


def wilson(right: int, n: int, z: float = 1.96) -> tuple[float, float] | None:
    """The interval for a share of `right` out of `n` (z 1.96: two-sided 95 %); sound for small n and
    for shares near 1, where the normal approximation is not. None when n is 0."""
    if n == 0:
        return None
    share = right / n
    centre = (share + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)
