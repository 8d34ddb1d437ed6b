"""Token-bucket rate limits per device, per operator and per client address.

In memory, per process: with several nodes each enforces its own share, which is the
usual trade-off for limits meant to stop floods rather than to meter.
"""

from __future__ import annotations

import math
import threading
import time

from sitewarden.errors import SitewardenError


class RateLimited(SitewardenError):
    """Too many requests; ``retry_after`` says when to come back (seconds)."""

    code = "rate_limited"

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = max(1, math.ceil(retry_after))


class RateLimiter:
    def __init__(self, per_second: float, burst: float, what: str) -> None:
        self.per_second = per_second
        self.burst = burst
        self.what = what
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, last time)

    def check(self, key: str, cost: float = 1.0) -> None:
        """Take ``cost`` tokens for ``key`` or raise RateLimited."""
        if self.per_second <= 0:
            return
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.per_second)
            if tokens < cost:
                self._buckets[key] = (tokens, now)
                wait = (cost - tokens) / self.per_second
                raise RateLimited(
                    f"too many requests for this {self.what}; slow down and retry in "
                    f"{math.ceil(wait)} s",
                    wait,
                )
            self._buckets[key] = (tokens - cost, now)
            if len(self._buckets) > 100_000:  # forget idle keys now and then
                self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < 600}
