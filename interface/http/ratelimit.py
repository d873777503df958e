"""A token bucket per client for the expensive endpoints (report, chat).

The table is bounded: a bucket that has refilled completely says nothing a new one would not,
so idle clients are forgotten, and past ``max_clients`` the least recently seen goes first."""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict

MAX_CLIENTS = 10_000


class RateLimiter:
    def __init__(self, per_minute: int, burst: int, max_clients: int = MAX_CLIENTS) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.max_clients = max_clients
        # client -> (tokens, last seen), least recently seen first
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()
        self._next_prune = 0.0

    def check(self, client: str) -> float | None:
        """Take a token for ``client``; None when allowed, else seconds to wait."""
        now = time.monotonic()
        with self._lock:
            self._prune(now)
            tokens, last = self._buckets.pop(client, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            allowed = tokens >= 1
            self._buckets[client] = (tokens - 1 if allowed else tokens, now)
            return None if allowed else math.ceil((1 - tokens) / self.rate)

    def __len__(self) -> int:
        return len(self._buckets)

    def _prune(self, now: float) -> None:
        while len(self._buckets) >= self.max_clients:
            self._buckets.popitem(last=False)
        if now < self._next_prune:
            return
        refill = self.burst / self.rate  # seconds for an empty bucket to fill up
        self._next_prune = now + min(refill, 60.0)
        # Oldest first: stop at the first client seen too recently to be full again.
        while self._buckets:
            client, (tokens, last) = next(iter(self._buckets.items()))
            if tokens + (now - last) * self.rate < self.burst:
                break
            del self._buckets[client]
