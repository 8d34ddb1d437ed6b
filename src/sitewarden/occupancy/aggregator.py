"""Per-zone, per-interval counts, built in memory and stored as numbers only.

``wifi.presence`` events carry identifiers hashed by the counter with a salt shared
with sitewarden and rotated daily. sitewarden keeps them only in memory, as exact sets
per zone and interval; when the interval ends it stores the set's size and drops the
set. The stored event keeps only how many hashes it carried. So no identifier is ever
written to disk; the cost is that an interval in progress is lost if the process dies.

``occupancy.count`` events (cameras counting people, no faces) record the latest count
per zone and interval.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sitewarden.events.model import Event
from sitewarden.occupancy.tables import OccupancyTables

DEFAULT_INTERVAL_S = 300
IntervalKey = tuple[str, str, datetime, int]  # site, zone, start, seconds


def interval_start(moment: datetime, seconds: int) -> datetime:
    epoch = int(moment.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, UTC)


def _ended(key: IntervalKey, moment: datetime) -> bool:
    return key[2] + timedelta(seconds=key[3]) <= moment


class OccupancyAggregator:
    def __init__(self, occupancy: OccupancyTables) -> None:
        self._occupancy = occupancy
        self._lock = threading.Lock()
        self._presence: dict[IntervalKey, set[str]] = defaultdict(set)
        self._counts: dict[IntervalKey, int] = {}

    def take(self, events: Sequence[Event]) -> None:
        """Move Wi-Fi hashes out of events into memory; note people counts. Call before
        the events are stored."""
        with self._lock:
            for event in events:
                if event.kind == "wifi.presence":
                    seconds = int(event.attributes.get("interval_s", DEFAULT_INTERVAL_S))
                    key = self._key(event, seconds)
                    hashes = event.attributes.pop("hashed_ids", [])
                    self._presence[key].update(hashes)
                    event.attributes["device_count"] = len(set(hashes))
                elif event.kind == "occupancy.count":
                    seconds = int(event.attributes.get("interval_s", DEFAULT_INTERVAL_S))
                    self._counts[self._key(event, seconds)] = int(event.attributes["count"])

    @staticmethod
    def _key(event: Event, seconds: int) -> IntervalKey:
        return (
            event.site_id,
            event.zone_id or "-",
            interval_start(event.occurred_at, seconds),
            seconds,
        )

    def flush(self, now: datetime | None = None) -> int:
        """Store what is known; intervals that have ended are dropped from memory.

        Returns how many rows were written.
        """
        moment = now or datetime.now(UTC)
        with self._lock:
            rows = [(*k[:2], "wifi", k[2], k[3], len(v)) for k, v in self._presence.items()]
            rows += [(*k[:2], "camera", k[2], k[3], n) for k, n in self._counts.items()]
            ended_presence = {
                key: self._presence.pop(key) for key in list(self._presence) if _ended(key, moment)
            }
            ended_counts = {
                key: self._counts.pop(key) for key in list(self._counts) if _ended(key, moment)
            }
        if rows:
            try:
                self._occupancy.add_occupancy(rows)
            except Exception:  # the database is away: keep the ended intervals for next time
                with self._lock:
                    for key, hashes in ended_presence.items():
                        self._presence[key] |= hashes
                    for key, count in ended_counts.items():
                        self._counts.setdefault(key, count)  # unless a newer count came
                raise
        return len(rows)  # the ended intervals' identifiers are gone for good
