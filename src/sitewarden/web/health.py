"""The doctor's findings as the console shows them: on the doctor page, and as a banner
on every page for admins while one is critical.

The console does not import the doctor (it sits above the app, see pyproject's layers):
``sitewarden serve`` hands the app a source of findings (``doctor/console.py``), kept
in ``app.state.doctor`` as a :class:`FindingsCache`. The banner reads the cache only,
so a page view never runs a check; the findings are at most ``ttl_s`` old, and the
doctor page checks afresh. An app built without a source (tests, the doctor's own route
check) shows no banner, and its doctor page says the checks are not available.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import Request

LEVELS = ("ok", "info", "minor", "major", "critical")  # mildest first


@dataclass(frozen=True)
class HealthFinding:
    check: str
    level: str  # one of LEVELS
    message: str
    fix: str


FindingSource = Callable[[], Sequence[HealthFinding]]


@dataclass(frozen=True)
class Findings:
    findings: list[HealthFinding]  # worst first
    checked_at: datetime
    took_ms: float

    @property
    def critical(self) -> list[HealthFinding]:
        return [f for f in self.findings if f.level == "critical"]


class FindingsCache:
    def __init__(self, source: FindingSource, ttl_s: float = 60.0) -> None:
        self._source = source
        self._ttl_s = ttl_s
        self._lock = threading.Lock()
        self._last: Findings | None = None
        self._at = 0.0

    def get(self, fresh: bool = False) -> Findings:
        """The findings, checked again where ``fresh`` or older than the ttl."""
        with self._lock:
            if fresh or self._last is None or time.monotonic() - self._at > self._ttl_s:
                started = time.perf_counter()
                found = sorted(self._source(), key=lambda f: -LEVELS.index(f.level))
                took = round((time.perf_counter() - started) * 1000, 1)
                self._last = Findings(found, datetime.now(UTC), took)
                self._at = time.monotonic()
            return self._last


def findings_cache(request: Request) -> FindingsCache | None:
    cache = getattr(request.app.state, "doctor", None)
    return cache if isinstance(cache, FindingsCache) else None


def critical_findings(request: Request) -> list[HealthFinding]:
    """The critical findings for the banner (cached: never a check per page view)."""
    cache = findings_cache(request)
    return [] if cache is None else cache.get().critical
