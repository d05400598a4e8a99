"""Progress of a long command: one line rewritten in place on a terminal, and in a log (not a
terminal) a plain line every `every_s` seconds with the count, the rate and the time left, so a
long run is never silent and never floods the output."""
from __future__ import annotations

import sys
import time


class Progress:
    def __init__(self, total: int, label: str, stream=None, every_s: float = 10.0, clock=time.monotonic,
                 counts=None):
        """`counts(done, total)`: the line's count when it is not "done/total" (a sweep counts
        tickets but moves through a span of time); the rate is shown with the default only."""
        self.total, self.label, self.every_s, self.clock, self.counts = total, label, every_s, clock, counts
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.done, self.started = 0, clock()
        self.last_line = self.started

    def update(self, n: int = 1) -> None:
        self.done += n
        now = self.clock()
        if self.tty:
            self.stream.write(f"\r{self.line(now)}\x1b[K")
            self.stream.flush()
        elif now - self.last_line >= self.every_s:
            self.stream.write(self.line(now) + "\n")
            self.stream.flush()
            self.last_line = now

    def set(self, done: int) -> None:
        """For a count read from elsewhere (the demo polls its database)."""
        self.update(done - self.done)

    def close(self) -> None:
        """The final line, on a terminal and in a log alike."""
        end = self.clock()
        self.stream.write(("\r" if self.tty else "") + self.line(end, final=True) + ("\x1b[K\n" if self.tty else "\n"))
        self.stream.flush()

    def line(self, now: float, final: bool = False) -> str:
        elapsed = max(now - self.started, 1e-9)
        rate = self.done / elapsed
        count = self.counts(self.done, self.total) if self.counts else f"{self.done}/{self.total}"
        if final:
            return f"{self.label}: {count} in {_clock(elapsed)}"
        left = (self.total - self.done) / rate if rate > 0 else None
        eta = f"about {_clock(left)} left" if left is not None and self.done < self.total else ""
        details = ", ".join(d for d in (f"{rate:.1f}/s" if not self.counts else "", eta) if d)
        return f"{self.label}: {count}" + (f" ({details})" if details else "")


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"


class StepsLine:
    """A `progress(done, total)` callback (app/core/steps.py) shown as a Progress line in percent,
    opened at the first call: a computation that finds its work done (a cached model) shows none."""

    def __init__(self, label: str, stream=None, every_s: float = 10.0):
        self.label, self.stream, self.every_s, self.line = label, stream, every_s, None

    def __call__(self, done: int, total: int) -> None:
        if self.line is None:
            self.line = Progress(total, self.label, self.stream, self.every_s,
                                 counts=lambda d, t: f"{100 * d // max(t, 1)}%")
        self.line.set(done)

    def close(self) -> None:
        if self.line is not None:
            self.line.close()
