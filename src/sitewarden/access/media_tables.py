"""Tables of images kept by access control: blurred snapshots, and reader images
kept for disputes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sitewarden.access.records import ReaderImage, Snapshot
from sitewarden.db.database import Database, _must_dt, _t

_SNAPSHOT_COLUMNS = "site_id, snapshot_id, device_id, taken_at, width, height, faces_blurred"


def _snapshot(row: Any) -> Snapshot:
    return Snapshot(
        row[0],
        row[1],
        row[2],
        _must_dt(row[3]),
        row[4],
        row[5],
        row[6],
        row[7] if len(row) > 7 else None,
    )


class AccessMediaTables:
    """Snapshots and reader images."""

    def __init__(self, db: Database) -> None:
        self._db = db

    # --- snapshots ---------------------------------------------------------------
    def add_snapshot(self, snapshot: Snapshot) -> None:
        assert snapshot.sealed_image is not None
        self._db.write(
            "INSERT INTO camera_snapshots VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                snapshot.site_id,
                snapshot.snapshot_id,
                snapshot.device_id,
                _t(snapshot.taken_at),
                snapshot.width,
                snapshot.height,
                snapshot.faces_blurred,
                snapshot.sealed_image,
            ),
        )

    def list_snapshots(
        self, site_id: str, device_id: str | None = None, limit: int = 100
    ) -> list[Snapshot]:
        sql = f"SELECT {_SNAPSHOT_COLUMNS} FROM camera_snapshots WHERE site_id = ?"
        params: list[Any] = [site_id]
        if device_id is not None:
            sql += " AND device_id = ?"
            params.append(device_id)
        rows = self._db.read(sql + " ORDER BY taken_at DESC LIMIT ?", (*params, limit))
        return [_snapshot(row) for row in rows]

    def get_snapshot(self, site_id: str, snapshot_id: str) -> Snapshot | None:
        row = self._db.read_one(
            f"SELECT {_SNAPSHOT_COLUMNS}, sealed_image FROM camera_snapshots "
            "WHERE site_id = ? AND snapshot_id = ?",
            (site_id, snapshot_id),
        )
        return None if row is None else _snapshot(row)

    def drop_snapshots_before(self, before: datetime, limit: int) -> int:
        """Delete up to ``limit`` snapshots taken before ``before`` (retention)."""
        with self._db.transaction() as conn:
            cursor = conn.execute(
                "DELETE FROM camera_snapshots WHERE (site_id, snapshot_id) IN (SELECT site_id, "
                f"snapshot_id FROM camera_snapshots{self._db.index_hint('camera_snapshots_time')} "
                "WHERE taken_at < ? LIMIT ?)",
                (_t(before), limit),
            )
            return int(cursor.rowcount)

    # --- reader images kept for disputes -----------------------------------------------
    def add_reader_image(self, image: ReaderImage) -> None:
        self._db.write(
            "INSERT INTO access_reader_images VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                image.site_id,
                image.event_id,
                image.device_id,
                image.person_id,
                _t(image.taken_at),
                _t(image.expires_at),
                image.media_type,
                image.sealed_image,
            ),
        )

    def get_reader_image(self, site_id: str, event_id: str) -> ReaderImage | None:
        row = self._db.read_one(
            "SELECT * FROM access_reader_images WHERE site_id = ? AND event_id = ?",
            (site_id, event_id),
        )
        if row is None:
            return None
        return ReaderImage(
            row[0],
            row[1],
            row[2],
            row[3],
            _must_dt(row[4]),
            _must_dt(row[5]),
            row[6],
            bytes(row[7]),
        )

    def drop_expired_reader_images(self, now: datetime, limit: int) -> int:
        """Delete up to ``limit`` kept reader images whose date has passed (retention)."""
        with self._db.transaction() as conn:
            cursor = conn.execute(
                "DELETE FROM access_reader_images WHERE (site_id, event_id) IN (SELECT site_id, "
                "event_id FROM access_reader_images WHERE expires_at < ? LIMIT ?)",
                (_t(now), limit),
            )
            return int(cursor.rowcount)
