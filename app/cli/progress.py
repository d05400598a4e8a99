"""Progress of a long command: one line rewritten in place on a terminal, and in a log (not a
terminal) a plain line every `every_s` seconds with the count, the rate and the time left, so a
long run is never silent and never floods the output."""
from __future__ import annotations

import sys
import time


class Progress:
    def __init__(self, total: int, label: str, stream=None, every_s: float = 10.0, clock=time.monotonic):
        self.total, self.label, self.every_s, self.clock = total, label, every_s, clock
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
        if final:
            return f"{self.label}: {self.done}/{self.total} in {_clock(elapsed)}"
        left = (self.total - self.done) / rate if rate > 0 else None
        eta = f", about {_clock(left)} left" if left is not None and self.done < self.total else ""
        return f"{self.label}: {self.done}/{self.total} ({rate:.1f}/s{eta})"


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"
