"""Retention: how long each category of data is kept, and the job that deletes it.

Deletion is in batches, oldest first, so it never holds the writer for long; face
crops and snapshots expire before the events that carry them. Reader images kept for
disputes expire on the date set when each was kept.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sitewarden.events.categories import CATEGORIES

log = logging.getLogger(__name__)


@dataclass
class RetentionReport:
    deleted: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.deleted.values())


def deleted_counts(report: RetentionReport) -> list[str]:
    """What a run deleted, as audit targets: ``category:count`` of each category it
    deleted from (counts only, never what was deleted)."""
    return [f"{category}:{count}" for category, count in sorted(report.deleted.items()) if count]


# Told of each finished run: (started, finished, report); the ledger keeps them.
RunRecorder = Callable[[datetime, datetime, RetentionReport], None]


class ExpiringEvents(Protocol):
    """What the job needs from the events table."""

    def delete_events_before(self, kinds: frozenset[str], before: datetime, limit: int) -> int: ...
    def drop_media_before(self, before: datetime, limit: int) -> int: ...


class ExpiringImages(Protocol):
    """What the job needs from the tables of kept images (snapshots, reader images)."""

    def drop_snapshots_before(self, before: datetime, limit: int) -> int: ...
    def drop_expired_reader_images(self, now: datetime, limit: int) -> int: ...


class ExpiringFrames(Protocol):
    """What the job needs from the table of frames kept for plate reviews."""

    def drop_expired_review_frames(self, now: datetime, limit: int) -> int: ...


class ExpiringLaneFrames(Protocol):
    """What the job needs from the table of each lane's last frame."""

    def drop_expired_lane_frames(self, now: datetime, limit: int) -> int: ...


def run_retention(
    events: ExpiringEvents,
    images: ExpiringImages,
    schedule: dict[str, float],
    *,
    frames: ExpiringFrames | None = None,
    lane_frames: ExpiringLaneFrames | None = None,
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
                done = events.drop_media_before(before, batch)
                done += images.drop_snapshots_before(before, batch)
            else:
                done = events.delete_events_before(CATEGORIES[category], before, batch)
            total += done
            if progress is not None and done:
                progress(category, total)
            if done < batch:
                break
        report.deleted[category] = total
    # Reader images kept for disputes carry their own expiry date (reader_image_days).
    expired = 0
    while (done := images.drop_expired_reader_images(moment, batch)) > 0:
        expired += done
        if done < batch:
            break
    if expired:
        report.deleted["reader_images"] = expired
    # Frames of plate reviews carry their own expiry date too (the plate_reads period).
    dropped = 0
    while frames is not None and (done := frames.drop_expired_review_frames(moment, batch)) > 0:
        dropped += done
        if done < batch:
            break
    if dropped:
        report.deleted["review_frames"] = dropped
    # So do the lanes' last frames (the same period).
    dropped = 0
    while (
        lane_frames is not None
        and (done := lane_frames.drop_expired_lane_frames(moment, batch)) > 0
    ):
        dropped += done
        if done < batch:
            break
    if dropped:
        report.deleted["lane_frames"] = dropped
    return report


class RetentionJob:
    """Runs retention in the background: once at start, then every ``every_s``; of
    several nodes on one PostgreSQL, only the one that ``owns_job("retention")``. A run
    that deleted something is handed to ``on_deleted`` (the audit entry); every run, to
    ``on_run`` (the retention ledger the privacy centre shows)."""

    def __init__(
        self,
        events: ExpiringEvents,
        images: ExpiringImages,
        schedule: dict[str, float],
        *,
        frames: ExpiringFrames | None = None,
        lane_frames: ExpiringLaneFrames | None = None,
        every_s: float,
        owns_job: Callable[[str], bool],
        on_deleted: Callable[[RetentionReport], None] | None = None,
        on_run: RunRecorder | None = None,
    ) -> None:
        self._on_deleted = on_deleted
        self._events = events
        self._images = images
        self._frames = frames
        self._lane_frames = lane_frames
        self._schedule = schedule
        self._every_s = every_s
        self._owns_job = owns_job
        self._on_run = on_run
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="retention", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                if self._owns_job("retention"):
                    started = datetime.now(UTC)
                    report = run_retention(
                        self._events,
                        self._images,
                        self._schedule,
                        frames=self._frames,
                        lane_frames=self._lane_frames,
                    )
                    if self._on_run is not None:
                        self._on_run(started, datetime.now(UTC), report)
                    if report.total:
                        log.info("retention deleted %s", report.deleted)
                        if self._on_deleted is not None:
                            self._on_deleted(report)
            except Exception:
                log.exception("retention run failed; it will be tried again")
            self._stop.wait(self._every_s)
