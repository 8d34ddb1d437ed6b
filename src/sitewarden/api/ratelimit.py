"""Token-bucket rate limits per device, per operator and per client address.

In memory, per process: with several nodes each enforces its own share, which is the
usual trade-off for limits meant to stop floods rather than to meter.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque

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


class LookupQuota:
    """Lookups of plates, ID numbers and badges, per operator: at most ``per_hour`` in
    any hour, and a burst when ``burst_count`` fall within ``burst_window_s``.

    A blind index answers whether a guessed value is there, so each lookup is a trial;
    the quota bounds how many an account can make, the burst raises an alert long before.
    In memory, per process, like the rate limits: each node enforces its own quota.
    """

    def __init__(self, per_hour: int, burst_count: int, burst_window_s: float) -> None:
        self.per_hour = per_hour
        self.burst_count = burst_count
        self.burst_window_s = burst_window_s
        self._lock = threading.Lock()
        self._times: dict[str, deque[float]] = {}
        self._burst_until: dict[str, float] = {}

    def take(self, user: str, now: float | None = None) -> int | None:
        """Count one lookup by ``user`` or raise RateLimited; returns how many fell in
        the burst window when this one completes a burst (once a window), else None."""
        moment = time.monotonic() if now is None else now
        with self._lock:
            times = self._times.setdefault(user, deque())
            while times and times[0] <= moment - 3600:
                times.popleft()
            if self.per_hour > 0 and len(times) >= self.per_hour:
                wait = times[0] + 3600 - moment
                raise RateLimited(
                    f"lookup quota reached: {self.per_hour} lookups in the last hour "
                    f"(setting lookup_quota_per_hour); the next is possible in "
                    f"{math.ceil(wait)} s. Each lookup tries a value against the index, "
                    "so they are limited and audited; an administrator can raise the quota "
                    "for an investigation that needs more",
                    wait,
                )
            times.append(moment)
            recent = sum(1 for at in times if at > moment - self.burst_window_s)
            if self.burst_count <= 0 or recent < self.burst_count:
                return None
            if moment < self._burst_until.get(user, 0.0):  # this burst was reported
                return None
            self._burst_until[user] = moment + self.burst_window_s
            return recent
