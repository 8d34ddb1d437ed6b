"""Attendance figures: each day marked late or with a missing punch, and the totals per
person and for the whole group by day, ISO week and month.

A day is late when its first in (site time) is after ``late_after``; a punch is
missing when the day has an in but no out, or an out but no in.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, time

from sitewarden.access.attendance_corrections import CorrectedDay

PERIODS = ("day", "week", "month")


@dataclass(frozen=True, slots=True)
class DayMarks:
    late: bool
    missing_in: bool
    missing_out: bool


@dataclass(frozen=True, slots=True)
class PeriodTotal:
    person_id: str | None  # None: the whole group
    period: str  # '2026-11-03', '2026-W45' or '2026-11'
    days: int
    hours: float
    late: int
    missing: int  # days with a missing punch
    people: int


def marks(record: CorrectedDay, late_after: time) -> DayMarks:
    day = record.day
    late = day.first_in is not None and day.first_in.time().replace(tzinfo=None) > late_after
    return DayMarks(
        late=late,
        missing_in=day.first_in is None and day.last_out is not None,
        missing_out=day.first_in is not None and day.last_out is None,
    )


def week_of(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def month_of(day: date) -> str:
    return f"{day.year}-{day.month:02d}"


PERIOD_OF: dict[str, Callable[[date], str]] = {
    "day": date.isoformat,
    "week": week_of,
    "month": month_of,
}


def totals(
    records: Sequence[CorrectedDay], late_after: time, period: str, per_person: bool
) -> list[PeriodTotal]:
    """Totals per ``period`` (day, week or month), per person or for the whole group."""
    name_of = PERIOD_OF[period]
    grouped: dict[tuple[str, str], list[CorrectedDay]] = defaultdict(list)
    for record in records:
        who = record.day.person_id if per_person else ""
        grouped[(name_of(record.day.day), who)].append(record)
    found = []
    for (name, who), own in sorted(grouped.items()):
        flags = [marks(r, late_after) for r in own]
        found.append(
            PeriodTotal(
                person_id=who or None,
                period=name,
                days=len(own),
                hours=round(sum(r.day.hours for r in own), 2),
                late=sum(f.late for f in flags),
                missing=sum(f.missing_in or f.missing_out for f in flags),
                people=len({r.day.person_id for r in own}),
            )
        )
    if per_person:
        found.sort(key=lambda t: (t.person_id or "", t.period))
    return found
