"""Time-ordered event ids (UUIDv7, RFC 9562).

The first 48 bits are the Unix time in milliseconds, so ids sort by the time
sitewarden received the event; within one millisecond a counter keeps them in
issue order for this process.
"""

from __future__ import annotations

import os
import threading
import time
from uuid import UUID

_VERSION_BITS = 0x7 << 76
_VARIANT_BITS = 0b10 << 62


class EventIdFactory:
    """Issues UUIDv7 ids that are strictly increasing within one process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last_ms = 0
        self._counter = 0

    def new(self, now_ms: int | None = None) -> UUID:
        return self.new_batch(1, now_ms)[0]

    def new_batch(self, count: int, now_ms: int | None = None) -> list[UUID]:
        """Return ``count`` increasing ids for one moment."""
        ms = time.time_ns() // 1_000_000 if now_ms is None else now_ms
        randomness = os.urandom(8 * count)
        ids: list[UUID] = []
        with self._lock:
            if ms <= self._last_ms:
                ms = self._last_ms
            else:
                self._last_ms = ms
                self._counter = int.from_bytes(os.urandom(2)) & 0x3FF
            for index in range(count):
                self._counter += 1
                if self._counter > 0xFFF:  # 4096 ids in one ms: borrow the next ms
                    self._last_ms = ms = ms + 1
                    self._counter = 0
                tail = int.from_bytes(randomness[index * 8 : index * 8 + 8]) & ((1 << 62) - 1)
                value = (ms << 80) | _VERSION_BITS | (self._counter << 64) | _VARIANT_BITS | tail
                ids.append(UUID(int=value))
        return ids


def id_time_ms(event_id: UUID) -> int:
    """The millisecond timestamp carried by a UUIDv7."""
    return event_id.int >> 80
