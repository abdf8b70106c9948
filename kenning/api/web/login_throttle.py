"""Wrong tokens at the login form are limited per client address, so guessing is slow."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

MAX_FAILURES = 5
WINDOW_SECONDS = 60.0


class LoginThrottle:
    """At most `max_failures` wrong tokens per client in any `window` seconds; then wait."""

    def __init__(self, max_failures: int = MAX_FAILURES, window: float = WINDOW_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_failures, self.window, self.clock = max_failures, window, clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def wait_seconds(self, client: str) -> int:
        """0 when `client` may try now, else how many whole seconds until it may."""
        with self._lock:
            recent = self._recent(client)
            if len(recent) < self.max_failures:
                return 0
            return max(1, math.ceil(recent[0] + self.window - self.clock()))

    def failed(self, client: str) -> None:
        with self._lock:
            self._recent(client).append(self.clock())

    def _recent(self, client: str) -> deque[float]:
        recent = self._failures.setdefault(client, deque())
        while recent and recent[0] <= self.clock() - self.window:
            recent.popleft()
        if len(self._failures) > 10_000:  # many addresses: forget those with nothing recent
            cutoff = self.clock() - self.window
            for key in [k for k, v in self._failures.items() if k != client and (not v or v[-1] <= cutoff)]:
                del self._failures[key]
        return recent
