"""The audit chain's state for the console: verified often, and cheaply.

A full walk of 100,000 entries takes 1.2 to 2.8 s (SQLite, the shared development
machine quiet or loaded; ``python -m bench.audit_chain``), too slow for every page view.
So the watch remembers the newest entry a walk verified and, asked again, walks only the
entries after it (and checks that entry's content still gives the MAC verified then).
Older rows are not read again by such a walk, so the whole chain is walked again when
the last full walk is older than ``full_every_s`` or when asked to; the page says when
the whole chain was last walked. A broken chain is walked in full every time: nothing is
trusted from a broken walk.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from sitewarden.privacy.audit import AuditLog, VerifiedUpTo, VerifyResult


@dataclass(frozen=True)
class ChainState:
    ok: bool
    checked: int  # entries verified, from the first
    broken_seq: int | None
    reason: str | None
    anchored: int | None
    checked_at: datetime  # when this answer was made
    full_at: datetime | None  # when the whole chain was last walked (ok or not)
    full: bool  # whether this answer came from a walk of the whole chain
    took_ms: float


class ChainWatch:
    def __init__(self, audit: AuditLog, full_every_s: float = 600.0) -> None:
        self._audit = audit
        self._full_every_s = full_every_s
        self._lock = threading.Lock()
        self._verified: VerifiedUpTo | None = None
        self._full_at: datetime | None = None
        self._full_monotonic = 0.0

    def check(self, full: bool = False) -> ChainState:
        """Verify the chain (incrementally where an earlier walk allows; in full when
        ``full``, when none was made yet, or when the last full walk is too old)."""
        with self._lock:  # one walk at a time; a second caller gets the fresh answer
            started = time.perf_counter()
            stale = time.monotonic() - self._full_monotonic > self._full_every_s
            whole = full or stale or self._verified is None
            result = self._walk(None if whole else self._verified)
            if not result.ok:  # say broken only after a second, full walk: an entry
                whole, result = True, self._walk(None)  # appended mid-walk moves the head
            now = datetime.now(UTC)
            if whole:
                self._full_at, self._full_monotonic = now, time.monotonic()
            last_mac = result.last_mac if result.ok else None
            self._verified = None if last_mac is None else VerifiedUpTo(result.checked, last_mac)
            return ChainState(
                ok=result.ok,
                checked=result.checked,
                broken_seq=result.broken_seq,
                reason=result.reason,
                anchored=result.anchored,
                checked_at=now,
                full_at=self._full_at,
                full=whole,
                took_ms=round((time.perf_counter() - started) * 1000, 1),
            )

    def _walk(self, since: VerifiedUpTo | None) -> VerifyResult:
        return self._audit.verify(since=since)
