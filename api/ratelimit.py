"""In-memory token buckets (per process): `rate` tokens a second refill a bucket of `burst`.

One limiter per purpose (sign-in, uploads), one bucket per key (a client IP, an address). Enough
for one API process; several processes behind a balancer each keep their own buckets, so the
effective limit is multiplied by their number (docs in README, "api").
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from api.problems import ApiProblem

MAX_KEYS = 50_000  # past this, full (idle) buckets are forgotten


class RateLimiter:
    def __init__(
        self, name: str, rate: float, burst: int, clock: Callable[[], float] = time.monotonic
    ):
        self.name = name
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """Takes one token for `key`: 0.0 when allowed, else the seconds until one is free."""
        now = self._clock()
        with self._lock:
            tokens, at = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - at) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                if len(self._buckets) > MAX_KEYS:
                    self._forget_idle(now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / self.rate

    def check(self, key: str) -> None:
        """Raises a 429 problem (with Retry-After) when `key` has no token left."""
        wait = self.take(key)
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            raise ApiProblem(
                429,
                "rate-limited",
                "too many requests",
                f"too many {self.name} requests; try again in {seconds} s",
                headers={"Retry-After": str(seconds)},
                retry_after=seconds,
            )

    def _forget_idle(self, now: float) -> None:
        full = [
            k for k, (t, at) in self._buckets.items() if t + (now - at) * self.rate >= self.burst
        ]
        for key in full:
            del self._buckets[key]
