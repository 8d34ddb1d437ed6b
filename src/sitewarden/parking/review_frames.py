"""The gate frame of a read waiting for review, kept so that a person can check it.

A frame whose plate read goes to the review queue is re-encoded as JPEG (its long side
capped at ``MAX_SIDE``, so a kept frame is small and carries no camera metadata) and
sealed (AES-256-GCM bound to its row) under the data key of the vehicle its plate guess
names (as the guess's own event is; an erasure of that vehicle shreds the key), with the
plate's box in the kept frame's pixels. It is deleted when the review is resolved, or by
retention on its ``expires_at`` (the site's ``plate_reads`` period, as the read's
event); a period of 0 keeps it until the review is resolved. Only a role that sees
plates in full opens one, with a purpose, and the opening is audited
(api/garage/review_frames.py).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from PIL import Image

from sitewarden.db.database import Database, _dt, _must_dt, _t
from sitewarden.errors import NotFound
from sitewarden.privacy.sealing import binding, seal, unseal
from sitewarden.privacy.vault import Vault

REVIEW_FRAMES_TABLE = "parking_review_frames"
_COLUMNS = (
    "site_id", "review_id", "subject_id", "taken_at", "expires_at", "width", "height",
    "box_x", "box_y", "box_w", "box_h", "sealed_frame",
)  # fmt: skip
FRAME_FIELD = "frame"
MAX_SIDE = 1280
JPEG_QUALITY = 85
MEDIA_TYPE = "image/jpeg"

Box = tuple[int, int, int, int]  # x, y, width, height in the kept frame's pixels


@dataclass(frozen=True, slots=True)
class FrameToKeep:
    """A frame about to be kept: the JPEG and where the plate is in it."""

    jpeg: bytes
    width: int
    height: int
    box: Box


@dataclass(frozen=True, slots=True)
class FrameShape:
    """A kept frame's size and the plate's box in it (no personal data)."""

    width: int
    height: int
    box: Box


@dataclass(frozen=True, slots=True)
class ReviewFrame:
    site_id: str
    review_id: str
    subject_id: str  # the vehicle the guess names; its data key seals the frame
    taken_at: datetime
    expires_at: datetime | None
    width: int
    height: int
    box: Box
    sealed_frame: bytes  # sealed as stored; opened by ``open_review_frame``


def frame_to_keep(image: Image.Image, plate_box: tuple[int, int, int, int]) -> FrameToKeep:
    """``image`` re-encoded for keeping, ``plate_box`` (left, top, right, bottom in the
    frame's pixels) scaled to it as x, y, width, height."""
    scale = min(1.0, MAX_SIDE / max(image.width, image.height))
    kept = image.convert("RGB")
    if scale < 1.0:
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        kept = kept.resize(size, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    kept.save(out, format="JPEG", quality=JPEG_QUALITY)
    left, top, right, bottom = (round(v * scale) for v in plate_box)
    left, top = max(0, min(left, kept.width - 1)), max(0, min(top, kept.height - 1))
    right, bottom = max(left + 1, min(right, kept.width)), max(top + 1, min(bottom, kept.height))
    return FrameToKeep(
        out.getvalue(), kept.width, kept.height, (left, top, right - left, bottom - top)
    )


def _aad(review_id: str) -> bytes:
    return binding(REVIEW_FRAMES_TABLE, review_id, FRAME_FIELD)


def _frame(row: Any) -> ReviewFrame:
    return ReviewFrame(
        row[0], row[1], row[2], _must_dt(row[3]), _dt(row[4]), row[5], row[6],
        (row[7], row[8], row[9], row[10]), bytes(row[11]),
    )  # fmt: skip


class ReviewFrameTables:
    """The table of kept review frames."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, frame: ReviewFrame) -> None:
        self._db.write(
            f"INSERT INTO {REVIEW_FRAMES_TABLE} ({', '.join(_COLUMNS)}) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                frame.site_id, frame.review_id, frame.subject_id, _t(frame.taken_at),
                _t(frame.expires_at),
                frame.width, frame.height, *frame.box, frame.sealed_frame,
            ),
        )  # fmt: skip

    def get(self, site_id: str, review_id: str) -> ReviewFrame | None:
        row = self._db.read_one(
            f"SELECT {', '.join(_COLUMNS)} FROM {REVIEW_FRAMES_TABLE} "
            "WHERE site_id = ? AND review_id = ?",
            (site_id, review_id),
        )
        return None if row is None else _frame(row)

    def kept_for(self, site_id: str, review_ids: list[str]) -> dict[str, FrameShape]:
        """The shape of the frame kept for each of ``review_ids`` that has one."""
        if not review_ids:
            return {}
        marks = ", ".join("?" * len(review_ids))
        rows = self._db.read(
            f"SELECT review_id, width, height, box_x, box_y, box_w, box_h, expires_at "
            f"FROM {REVIEW_FRAMES_TABLE} WHERE site_id = ? AND review_id IN ({marks})",
            (site_id, *review_ids),
        )
        now = datetime.now(UTC)
        return {
            row[0]: FrameShape(row[1], row[2], (row[3], row[4], row[5], row[6]))
            for row in rows
            if row[7] is None or _must_dt(row[7]) >= now
        }

    def delete(self, site_id: str, review_id: str) -> bool:
        with self._db.transaction() as conn:
            cursor = conn.execute(
                f"DELETE FROM {REVIEW_FRAMES_TABLE} WHERE site_id = ? AND review_id = ?",
                (site_id, review_id),
            )
            return int(cursor.rowcount) > 0

    def drop_expired_review_frames(self, now: datetime, limit: int) -> int:
        """Delete up to ``limit`` kept frames whose date has passed (retention)."""
        with self._db.transaction() as conn:
            cursor = conn.execute(
                f"DELETE FROM {REVIEW_FRAMES_TABLE} WHERE (site_id, review_id) IN (SELECT "
                f"site_id, review_id FROM {REVIEW_FRAMES_TABLE} WHERE expires_at < ? LIMIT ?)",
                (_t(now), limit),
            )
            return int(cursor.rowcount)


def frame_expiry(now: datetime, days: float) -> datetime | None:
    """When a frame kept ``now`` expires: ``days`` later, or never (0: until removed)."""
    return now + timedelta(days=days) if days > 0 else None


def seal_frame(vault: Vault, site_id: str, subject_id: str, jpeg: bytes, aad: bytes) -> bytes:
    """A kept frame sealed under vehicle ``subject_id``'s data key, bound to ``aad``."""
    return seal(vault.data_key_for(site_id, subject_id), jpeg, aad)


def open_frame(
    vault: Vault, site_id: str, subject_id: str, sealed: bytes, aad: bytes, what: str
) -> bytes:
    """The JPEG of a kept frame; NotFound once its vehicle was erased (key shredded)."""
    key = vault.stored_data_key(site_id, subject_id)
    if key is None:
        raise NotFound(f"{what} shows a vehicle since erased")
    return unseal(key, sealed, aad)


def keep_review_frame(
    tables: ReviewFrameTables,
    vault: Vault,
    site_id: str,
    review_id: str,
    subject_id: str,
    frame: FrameToKeep,
    days: float,
    now: datetime,
) -> ReviewFrame:
    """Seal (under vehicle ``subject_id``'s key) and store ``frame`` for review
    ``review_id``; ``days`` 0 keeps it until resolved."""
    kept = ReviewFrame(
        site_id=site_id,
        review_id=review_id,
        subject_id=subject_id,
        taken_at=now,
        expires_at=frame_expiry(now, days),
        width=frame.width,
        height=frame.height,
        box=frame.box,
        sealed_frame=seal_frame(vault, site_id, subject_id, frame.jpeg, _aad(review_id)),
    )
    tables.add(kept)
    return kept


def open_review_frame(
    tables: ReviewFrameTables, vault: Vault, site_id: str, review_id: str
) -> ReviewFrame:
    """The kept frame, opened (``sealed_frame`` then holds the JPEG)."""
    kept = tables.get(site_id, review_id)
    if kept is None or (kept.expires_at is not None and kept.expires_at < datetime.now(UTC)):
        raise NotFound(f"no frame kept for review {review_id!r} in site {site_id!r}")
    what = f"the frame of review {review_id!r}"
    jpeg = open_frame(vault, site_id, kept.subject_id, kept.sealed_frame, _aad(review_id), what)
    return replace(kept, sealed_frame=jpeg)
