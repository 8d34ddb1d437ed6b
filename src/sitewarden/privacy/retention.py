"""Retention: how long each category of data is kept, and the job that deletes it.

Deletion is in batches, oldest first, so it never holds the writer for long; face
crops and snapshots expire before the events that carry them. Reader images kept for
disputes expire on the date set when each was kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sitewarden.events.kinds import KINDS

# Event kinds in each category; every kind is in exactly one.
CATEGORIES: dict[str, frozenset[str]] = {
    "access_events": frozenset(
        {"access.granted", "access.denied", "door.forced", "door.held_open"}
    ),
    "plate_reads": frozenset(
        {"plate.read", "parking.entry", "parking.exit", "parking.denied", "parking.unpaid_exit"}
    ),
    "operations": frozenset(
        {
            "alarm.smoke",
            "alarm.sprinkler",
            "equipment.fault",
            "device.offline",
            "camera.tamper",
            "security.lookup_burst",
        }
    ),
    "heartbeats": frozenset({"device.heartbeat"}),
    "occupancy_raw": frozenset({"occupancy.count", "wifi.presence", "camera.object"}),
}
assert frozenset().union(*CATEGORIES.values()) == frozenset(KINDS)


def default_schedule() -> dict[str, float]:
    return {
        "face_crops": 7,
        "plate_reads": 30,
        "access_events": 180,
        "operations": 365,
        "heartbeats": 7,
        "occupancy_raw": 30,
    }


@dataclass
class RetentionReport:
    deleted: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.deleted.values())


class RetentionStore(Protocol):
    """What the job needs from a store."""

    def delete_events_before(self, kinds: frozenset[str], before: datetime, limit: int) -> int: ...
    def drop_media_before(self, before: datetime, limit: int) -> int: ...
    def drop_snapshots_before(self, before: datetime, limit: int) -> int: ...
    def drop_expired_reader_images(self, now: datetime, limit: int) -> int: ...


def run_retention(
    store: RetentionStore,
    schedule: dict[str, float],
    *,
    now: datetime | None = None,
    batch: int = 10_000,
    progress: Callable[[str, int], None] | None = None,
) -> RetentionReport:
    """Delete everything past its retention; a category set to 0 days is kept forever."""
    moment = now or datetime.now(UTC)
    report = RetentionReport()
    for category, days in schedule.items():
        if days <= 0:
            continue
        before = moment - timedelta(days=days)
        total = 0
        while True:
            if category == "face_crops":
                done = store.drop_media_before(before, batch)
                done += store.drop_snapshots_before(before, batch)
            else:
                done = store.delete_events_before(CATEGORIES[category], before, batch)
            total += done
            if progress is not None and done:
                progress(category, total)
            if done < batch:
                break
        report.deleted[category] = total
    # Reader images kept for disputes carry their own expiry date (reader_image_days).
    expired = 0
    while (done := store.drop_expired_reader_images(moment, batch)) > 0:
        expired += done
        if done < batch:
            break
    if expired:
        report.deleted["reader_images"] = expired
    return report
