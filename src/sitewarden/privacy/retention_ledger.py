"""What the next retention run will delete, counted, and the record of past runs.

The forecast counts with the same conditions as the deletions in ``retention.py``
(events by category and time, face crops and snapshots by time, reader images by their
own expiry), so the console says what a run would delete rather than a guess.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson

from sitewarden.db.database import Database, _must_dt, _t
from sitewarden.events.categories import CATEGORIES
from sitewarden.privacy.retention import RetentionReport, RunRecorder

RECENT_RUNS = 20


@dataclass(frozen=True, slots=True)
class RetentionRun:
    started_at: datetime
    finished_at: datetime
    trigger: str  # "job" (the background job) or "cli"
    deleted: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.deleted.values())


class RetentionLedger:
    """Counts of what is past its retention, and the runs that deleted it."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def record_run(self, run: RetentionRun) -> None:
        self._db.write(
            "INSERT INTO retention_runs VALUES (?, ?, ?, ?)",
            (_t(run.started_at), _t(run.finished_at), run.trigger,
             orjson.dumps(run.deleted).decode()),
        )  # fmt: skip

    def recent_runs(self, limit: int = RECENT_RUNS) -> list[RetentionRun]:
        rows = self._db.read(
            "SELECT started_at, finished_at, trigger_by, deleted FROM retention_runs "
            "ORDER BY started_at DESC LIMIT ?",
            (limit,),
        )
        return [_run(row) for row in rows]

    def due_for_deletion(self, schedule: dict[str, float], now: datetime) -> dict[str, int]:
        """Per category, how many items a run at ``now`` would delete (0 days: kept)."""
        due: dict[str, int] = {}
        for category, days in schedule.items():
            if days <= 0:
                due[category] = 0
                continue
            before = _t(now - timedelta(days=days))
            if category == "face_crops":
                due[category] = self._count(
                    "SELECT count(*) FROM events WHERE occurred_at < ? AND media IS NOT NULL",
                    (before,),
                ) + self._count(
                    "SELECT count(*) FROM camera_snapshots WHERE taken_at < ?", (before,)
                )
            else:
                kinds = sorted(CATEGORIES[category])
                due[category] = self._count(
                    "SELECT count(*) FROM events WHERE occurred_at < ? "
                    f"AND kind IN ({', '.join('?' * len(kinds))})",
                    (before, *kinds),
                )
        due["reader_images"] = self._count(
            "SELECT count(*) FROM access_reader_images WHERE expires_at < ?", (_t(now),)
        )
        due["review_frames"] = self._count(
            "SELECT count(*) FROM parking_review_frames WHERE expires_at < ?", (_t(now),)
        )
        due["lane_frames"] = self._count(
            "SELECT count(*) FROM parking_lane_frames WHERE expires_at < ?", (_t(now),)
        )
        return due

    def _count(self, sql: str, params: tuple[Any, ...]) -> int:
        return int(self._db.read_one(sql, params)[0])


def run_recorder(ledger: RetentionLedger, trigger: str) -> RunRecorder:
    """A ``RetentionJob``'s ``on_run`` that records each run in the ledger."""

    def record(started: datetime, finished: datetime, report: RetentionReport) -> None:
        ledger.record_run(RetentionRun(started, finished, trigger, dict(report.deleted)))

    return record


def _run(row: Any) -> RetentionRun:
    return RetentionRun(
        _must_dt(row[0]),
        _must_dt(row[1]),
        row[2],
        {k: int(v) for k, v in orjson.loads(row[3]).items()},
    )
