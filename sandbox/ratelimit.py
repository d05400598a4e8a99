"""Per-minute rate limits with Zendesk's 429 + Retry-After behaviour.

Sliding-window log: each allowed request records its time; a request is allowed
while fewer than `limit` requests were allowed in the last window. When refused,
Retry-After is the whole number of seconds (rounded up, at least 1) until the
oldest recorded request leaves the window. Refused requests are not recorded,
so a client that waits as told always gets through.

`time_scale` shrinks the window: a "minute" lasts 60 * time_scale real seconds
(0.1 -> 6 s), which lets benchmarks exercise throttling quickly. Retry-After is
given in real seconds, so a client sleeping for it behaves correctly.
"""
from __future__ import annotations

import math
import threading
import time
from collections import deque


class SlidingWindowLimiter:
    def __init__(self, limit: int | None, time_scale: float = 1.0, clock=time.monotonic):
        self.limit = limit
        self.window = 60.0 * float(time_scale)
        self.clock = clock
        self._hits: deque[float] = deque()
        self._lock = threading.Lock()

    def _expire(self, now: float) -> None:
        while self._hits and self._hits[0] <= now - self.window:
            self._hits.popleft()

    def acquire(self) -> tuple[bool, int, int]:
        """Try to take one slot. Returns (allowed, remaining, retry_after_seconds)."""
        if not self.limit:
            return True, 0, 0
        with self._lock:
            now = self.clock()
            self._expire(now)
            if len(self._hits) >= self.limit:
                wait = self._hits[0] + self.window - now
                return False, 0, max(1, math.ceil(wait))
            self._hits.append(now)
            return True, self.limit - len(self._hits), 0

    def remaining(self) -> int:
        if not self.limit:
            return 0
        with self._lock:
            self._expire(self.clock())
            return max(0, self.limit - len(self._hits))
