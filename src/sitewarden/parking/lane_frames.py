"""The last gate frame read at each lane, kept so that the garage page shows it.

Every frame in which the reader found a plate replaces its lane's kept frame, whether
the read was sure or went to review: re-encoded and capped as a review frame
(``review_frames.frame_to_keep``), sealed under the read vehicle's own data key (so a
subject erasure, which shreds that key, leaves it unreadable) and bound to its lane,
with the plate's box in its pixels. Deleted with the lane, or by retention on its
``expires_at`` (the site's ``plate_reads`` period; 0 keeps it until replaced). Only a
role that sees plates in full opens it, with a purpose, audited (api/garage/lane_frames.py).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sitewarden.db.database import Database, _dt, _must_dt, _t, upsert_sql
from sitewarden.errors import NotFound
from sitewarden.parking.review_frames import (
    FRAME_FIELD,
    Box,
    FrameToKeep,
    frame_expiry,
    open_frame,
    seal_frame,
)
from sitewarden.privacy.sealing import binding
from sitewarden.privacy.vault import Vault

LANE_FRAMES_TABLE = "parking_lane_frames"
_COLUMNS = (
    "site_id", "device_id", "subject_id", "taken_at", "expires_at", "width", "height",
    "box_x", "box_y", "box_w", "box_h", "sealed_frame",
)  # fmt: skip
_UPSERT = upsert_sql(LANE_FRAMES_TABLE, _COLUMNS, ("site_id", "device_id"))


@dataclass(frozen=True, slots=True)
class LaneFrame:
    site_id: str
    device_id: str
    subject_id: str  # the vehicle read; its data key seals the frame
    taken_at: datetime
    expires_at: datetime | None
    width: int
    height: int
    box: Box
    sealed_frame: bytes  # sealed as stored; opened by ``open_lane_frame``


def _aad(device_id: str) -> bytes:
    return binding(LANE_FRAMES_TABLE, device_id, FRAME_FIELD)


def _frame(row: Any) -> LaneFrame:
    return LaneFrame(
        row[0], row[1], row[2], _must_dt(row[3]), _dt(row[4]), row[5], row[6],
        (row[7], row[8], row[9], row[10]), bytes(row[11]),
    )  # fmt: skip


class LaneFrameTables:
    """The table of each lane's last frame."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def put(self, frame: LaneFrame) -> None:
        self._db.write(
            _UPSERT,
            (
                frame.site_id, frame.device_id, frame.subject_id, _t(frame.taken_at),
                _t(frame.expires_at),
                frame.width, frame.height, *frame.box, frame.sealed_frame,
            ),
        )  # fmt: skip

    def get(self, site_id: str, device_id: str) -> LaneFrame | None:
        row = self._db.read_one(
            f"SELECT {', '.join(_COLUMNS)} FROM {LANE_FRAMES_TABLE} "
            "WHERE site_id = ? AND device_id = ?",
            (site_id, device_id),
        )
        return None if row is None else _frame(row)

    def delete(self, site_id: str, device_id: str) -> int:
        return self._db.write(
            f"DELETE FROM {LANE_FRAMES_TABLE} WHERE site_id = ? AND device_id = ?",
            (site_id, device_id),
        )

    def drop_expired_lane_frames(self, now: datetime, limit: int) -> int:
        """Delete up to ``limit`` lane frames whose date has passed (retention)."""
        with self._db.transaction() as conn:
            cursor = conn.execute(
                f"DELETE FROM {LANE_FRAMES_TABLE} WHERE (site_id, device_id) IN (SELECT "
                f"site_id, device_id FROM {LANE_FRAMES_TABLE} WHERE expires_at < ? LIMIT ?)",
                (_t(now), limit),
            )
            return int(cursor.rowcount)


def keep_lane_frame(
    tables: LaneFrameTables,
    vault: Vault,
    site_id: str,
    device_id: str,
    subject_id: str,
    frame: FrameToKeep,
    days: float,
    now: datetime,
) -> LaneFrame:
    """Seal ``frame`` as the lane's last one (under vehicle ``subject_id``'s key),
    replacing the one before."""
    kept = LaneFrame(
        site_id=site_id,
        device_id=device_id,
        subject_id=subject_id,
        taken_at=now,
        expires_at=frame_expiry(now, days),
        width=frame.width,
        height=frame.height,
        box=frame.box,
        sealed_frame=seal_frame(vault, site_id, subject_id, frame.jpeg, _aad(device_id)),
    )
    tables.put(kept)
    return kept


def open_lane_frame(
    tables: LaneFrameTables, vault: Vault, site_id: str, device_id: str
) -> LaneFrame:
    """The lane's last frame, opened (``sealed_frame`` then holds the JPEG)."""
    kept = tables.get(site_id, device_id)
    if kept is None or (kept.expires_at is not None and kept.expires_at < datetime.now(UTC)):
        raise NotFound(f"no frame kept for lane {device_id!r} in site {site_id!r}")
    what = f"the last frame of lane {device_id!r}"
    jpeg = open_frame(vault, site_id, kept.subject_id, kept.sealed_frame, _aad(device_id), what)
    return replace(kept, sealed_frame=jpeg)
