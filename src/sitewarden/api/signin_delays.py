"""Growing delays after failed sign-ins, per (name, client address).

After ``free_failures`` failed sign-ins from one client for one name, that client must
wait ``first_delay_s`` before its next try for that name, twice as long after each
further failure, up to ``max_delay_s``. Other clients are unaffected, so nobody can
lock an account (not even the only admin) by failing on purpose; and the name need not
exist, so the answers do not tell which names do. A success from the client clears its
count. In memory, per process, like the rate limits beside it.
"""

from __future__ import annotations

import ipaddress
import threading
import time
from collections.abc import Callable

from sitewarden.api.ratelimit import RateLimited

FORGET_AFTER_S = 24 * 3600
MAX_ENTRIES = 100_000


def client_key(address: str) -> str:
    """The address limits are kept for: an IPv6 client is its /64, which one host holds."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


class SignInDelays:
    def __init__(
        self,
        free_failures: int,
        first_delay_s: float,
        max_delay_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.free_failures = free_failures
        self.first_delay_s = first_delay_s
        self.max_delay_s = max_delay_s
        self._clock = clock
        self._lock = threading.Lock()
        self._failures: dict[tuple[str, str], tuple[int, float]] = {}  # -> (count, last)

    def delay_after(self, failures: int) -> float:
        """How long a client waits after its ``failures``-th failure for a name."""
        if failures < self.free_failures:
            return 0.0
        exponent = min(failures - self.free_failures, 60)
        return float(min(self.first_delay_s * 2**exponent, self.max_delay_s))

    def check(self, name: str, client: str) -> None:
        """Raise RateLimited while this client must still wait before trying ``name``."""
        with self._lock:
            count, last = self._failures.get((name, client), (0, 0.0))
        wait = last + self.delay_after(count) - self._clock()
        if count and wait > 0:
            raise RateLimited(
                f"too many failed sign-ins for this name from your address; retry in "
                f"{max(1, round(wait))} s",
                wait,
            )

    def failed(self, name: str, client: str) -> None:
        now = self._clock()
        with self._lock:
            count, last = self._failures.get((name, client), (0, now))
            if now - last > FORGET_AFTER_S:
                count = 0
            self._failures[(name, client)] = (count + 1, now)
            if len(self._failures) > MAX_ENTRIES:
                self._forget_idle(now)

    def succeeded(self, name: str, client: str) -> None:
        with self._lock:
            self._failures.pop((name, client), None)

    def _forget_idle(self, now: float) -> None:
        idle = max(self.max_delay_s, 600.0)
        self._failures = {k: v for k, v in self._failures.items() if now - v[1] < idle}
