"""The gate's memory of reads and the plate review queue.

The last read of each plate at each lane (so a camera that reads one car five times
opens once), and the reads no reader was sure of, waiting for a person.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sitewarden.db.database import Database, _dt, _must_dt, _t, upsert_sql
from sitewarden.parking.records import GateRead, ReviewItem

_GATE_READ_UPSERT = upsert_sql(
    "parking_gate_reads",
    ("site_id", "device_id", "subject_id", "at", "opened", "reason", "session_id"),
    ("site_id", "device_id", "subject_id"),
)

REVIEW_COLUMNS = (
    "site_id, review_id, device_id, zone_id, direction, event_id, confidence, reason, "
    "created_at, state, resolution, resolved_by, resolved_at, alternatives"
)


def _review(row: Any) -> ReviewItem:
    return ReviewItem(
        site_id=row[0],
        review_id=row[1],
        device_id=row[2],
        zone_id=row[3],
        direction=row[4],
        event_id=row[5],
        confidence=row[6],
        reason=row[7],
        created_at=_must_dt(row[8]),
        state=row[9],
        resolution=row[10],
        resolved_by=row[11],
        resolved_at=_dt(row[12]),
        alternatives=tuple(row[13].split()),
    )


class GateReviewTables:
    """The last read per plate and lane, and the plate review queue."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def last_gate_read(self, site_id: str, device_id: str, subject_id: str) -> GateRead | None:
        row = self._db.read_one(
            "SELECT * FROM parking_gate_reads WHERE site_id = ? AND device_id = ? "
            "AND subject_id = ?",
            (site_id, device_id, subject_id),
        )
        if row is None:
            return None
        return GateRead(row[0], row[1], row[2], _must_dt(row[3]), bool(row[4]), row[5], row[6])

    def record_gate_read(self, read: GateRead) -> None:
        self._db.write(
            _GATE_READ_UPSERT,
            (
                read.site_id,
                read.device_id,
                read.subject_id,
                _t(read.at),
                int(read.opened),
                read.reason,
                read.session_id,
            ),
        )

    def add_review(self, item: ReviewItem) -> None:
        self._db.write(
            f"INSERT INTO parking_reviews ({REVIEW_COLUMNS}) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                item.site_id,
                item.review_id,
                item.device_id,
                item.zone_id,
                item.direction,
                item.event_id,
                item.confidence,
                item.reason,
                _t(item.created_at),
                item.state,
                item.resolution,
                item.resolved_by,
                _t(item.resolved_at),
                " ".join(item.alternatives),
            ),
        )

    def get_review(self, site_id: str, review_id: str) -> ReviewItem | None:
        row = self._db.read_one(
            f"SELECT {REVIEW_COLUMNS} FROM parking_reviews WHERE site_id = ? AND review_id = ?",
            (site_id, review_id),
        )
        return None if row is None else _review(row)

    def list_reviews(self, site_id: str, state: str | None, limit: int) -> list[ReviewItem]:
        sql = f"SELECT {REVIEW_COLUMNS} FROM parking_reviews WHERE site_id = ?"
        params: list[Any] = [site_id]
        if state is not None:
            sql += " AND state = ?"
            params.append(state)
        rows = self._db.read(sql + " ORDER BY created_at DESC LIMIT ?", (*params, limit))
        return [_review(row) for row in rows]

    def resolve_review(
        self, site_id: str, review_id: str, resolution: str, actor: str, at: datetime
    ) -> bool:
        changed = self._db.write(
            "UPDATE parking_reviews SET state = 'resolved', resolution = ?, resolved_by = ?, "
            "resolved_at = ? WHERE site_id = ? AND review_id = ? AND state = 'pending'",
            (resolution, actor, _t(at), site_id, review_id),
        )
        return changed == 1
