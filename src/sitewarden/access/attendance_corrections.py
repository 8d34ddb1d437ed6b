"""Corrections of attendance: a day's first in or last out set by an authorised user,
with a reason, stored beside the readers' events (which stay as they were).

The figures apply the latest correction of each person's day: a time it sets replaces
the recorded one, a time it leaves out keeps it; a correction of a day with no passes
at all makes the day. Every corrected day keeps what the readers recorded, so the
page and the export can show both.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sitewarden.access.attendance import MAX_SHIFT, AttendanceDay
from sitewarden.db.database import Database, _dt, _must_dt, _t
from sitewarden.errors import InvalidInput

REASON_MIN, REASON_MAX = 3, 200


@dataclass(frozen=True, slots=True)
class Correction:
    site_id: str
    person_id: str
    day: date
    correction_id: str
    first_in: datetime | None
    last_out: datetime | None
    reason: str
    corrected_by: str
    corrected_at: datetime


@dataclass(frozen=True, slots=True)
class CorrectedDay:
    """A day as the figures count it, with the correction applied (if any)."""

    day: AttendanceDay
    correction: Correction | None = None
    recorded_first_in: datetime | None = None
    recorded_last_out: datetime | None = None


def correction_times(
    day: date, first_in: time | None, last_out: time | None, timezone: str
) -> tuple[datetime | None, datetime | None]:
    """Local clock times of ``day`` as moments; a last out at or before the first in is
    on the next day (a night shift)."""
    if first_in is None and last_out is None:
        raise InvalidInput("a correction sets a first in, a last out or both")
    zone = ZoneInfo(timezone)
    opened = None if first_in is None else datetime.combine(day, first_in, zone)
    closed = None if last_out is None else datetime.combine(day, last_out, zone)
    if opened is not None and closed is not None and closed <= opened:
        closed = datetime.combine(day + timedelta(days=1), last_out or time(), zone)
        if closed - opened > MAX_SHIFT:
            raise InvalidInput("the last out is before the first in")
    return opened, closed


def new_correction_id() -> str:
    return "c-" + secrets.token_hex(6)


class AttendanceCorrections:
    """The ``attendance_corrections`` table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, correction: Correction) -> None:
        self._db.write(
            "INSERT INTO attendance_corrections VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                correction.site_id,
                correction.person_id,
                correction.day.isoformat(),
                correction.correction_id,
                _t(correction.first_in),
                _t(correction.last_out),
                correction.reason,
                correction.corrected_by,
                _t(correction.corrected_at),
            ),
        )

    def between(self, site_id: str, start: date, end: date) -> list[Correction]:
        """Corrections of days from ``start`` to ``end``, oldest first."""
        rows = self._db.read(
            "SELECT site_id, person_id, day, correction_id, first_in, last_out, reason, "
            "corrected_by, corrected_at FROM attendance_corrections "
            "WHERE site_id = ? AND day >= ? AND day <= ? ORDER BY corrected_at, correction_id",
            (site_id, start.isoformat(), end.isoformat()),
        )
        return [
            Correction(
                row[0],
                row[1],
                date.fromisoformat(row[2]),
                row[3],
                _dt(row[4]),
                _dt(row[5]),
                row[6],
                row[7],
                _must_dt(row[8]),
            )
            for row in rows
        ]


def apply_corrections(
    days: Sequence[AttendanceDay],
    corrections: Sequence[Correction],
    people: frozenset[str],
    timezone: str,
) -> list[CorrectedDay]:
    """``days`` with the latest correction of each (person, day) of ``people`` applied."""
    zone = ZoneInfo(timezone)
    latest = {(c.person_id, c.day): c for c in corrections if c.person_id in people}
    found = {(d.person_id, d.day): d for d in days}
    out: list[CorrectedDay] = []
    for key in sorted(set(found) | set(latest)):
        recorded = found.get(key) or AttendanceDay(key[0], key[1], None, None, 0.0)
        correction = latest.get(key)
        if correction is None:
            out.append(CorrectedDay(recorded))
            continue
        first = correction.first_in or recorded.first_in
        last = correction.last_out or recorded.last_out
        first = None if first is None else first.astimezone(zone)
        last = None if last is None else last.astimezone(zone)
        if correction.last_out is not None and first is not None and last is not None:
            # A last out set alone, before a recorded night shift's in: the next morning.
            later = last + timedelta(days=1)
            if last <= first and later - first <= MAX_SHIFT:
                last = later
        hours = (last - first).total_seconds() / 3600 if first and last and last > first else 0.0
        day = replace(recorded, first_in=first, last_out=last, hours=round(hours, 2))
        out.append(CorrectedDay(day, correction, recorded.first_in, recorded.last_out))
    return out
