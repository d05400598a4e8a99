"""Progress of a long computation (a first training), told to whoever shows it (the CLI's
progress line) without the computation knowing how it is shown."""
from __future__ import annotations

from typing import Callable


def steps(total: int, progress: Callable[[int, int], None] | None) -> Callable[[int], None]:
    """An `advance(n)` that adds n steps of `total` and tells `progress(done, total)`; does nothing
    without a `progress`."""
    done = 0

    def advance(n: int = 1) -> None:
        nonlocal done
        done = min(done + n, total)
        if progress is not None:
            progress(done, total)
    return advance
