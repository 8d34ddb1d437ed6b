"""Attendance: first in and last out per staff member per day, in the site's timezone,
and totals per week, computed from granted access events.

A shift opens at an 'in' and takes every pass within :data:`MAX_SHIFT` of it; it
belongs to the local day it opened, so a night shift (in 22:00, out 06:00) counts
on the day it began. Its hours run from the first in to the last out; a shift with
no out has none and is flagged.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sitewarden.access.tables import AccessTables
from sitewarden.errors import InvalidInput
from sitewarden.events.query import EventQuery
from sitewarden.intake.event_tables import EventTables

MAX_SHIFT = timedelta(hours=18)
MAX_RANGE = timedelta(days=92)


@dataclass(frozen=True, slots=True)
class Passage:
    person_id: str
    at: datetime
    direction: str  # 'in' or 'out'


@dataclass(frozen=True, slots=True)
class AttendanceDay:
    person_id: str
    day: date  # local date the shift opened
    first_in: datetime | None  # site time
    last_out: datetime | None
    hours: float

    @property
    def missing_out(self) -> bool:
        return self.first_in is not None and self.last_out is None


@dataclass(frozen=True, slots=True)
class WeekTotal:
    person_id: str
    week: str  # ISO week, '2026-W47'
    days: int
    hours: float


def attendance_days(passages: Iterable[Passage], timezone: str) -> list[AttendanceDay]:
    """Per person, per local day: first in, last out and the hours between."""
    zone = ZoneInfo(timezone)
    by_person: dict[str, list[Passage]] = defaultdict(list)
    for passage in passages:
        by_person[passage.person_id].append(passage)
    days: dict[tuple[str, date], tuple[datetime | None, datetime | None]] = {}
    for person_id, own in by_person.items():
        opened: datetime | None = None
        for passage in sorted(own, key=lambda p: p.at):
            local = passage.at.astimezone(zone)
            if passage.direction == "in":
                if opened is None or local - opened > MAX_SHIFT:
                    opened = local
                    key = (person_id, local.date())
                    first, last = days.get(key, (None, None))
                    days[key] = (first or local, last)
            elif opened is not None and local - opened <= MAX_SHIFT:
                key = (person_id, opened.date())
                first, _ = days[key]
                days[key] = (first, local)
            else:  # an out with no in on record (it was before the range, or not badged)
                key = (person_id, local.date())
                first, last = days.get(key, (None, None))
                days[key] = (first, local if last is None or local > last else last)
    found = []
    for (person_id, day), (first, last) in sorted(days.items()):
        hours = (last - first).total_seconds() / 3600 if first and last and last > first else 0.0
        found.append(AttendanceDay(person_id, day, first, last, round(hours, 2)))
    return found


def week_totals(days: Sequence[AttendanceDay]) -> list[WeekTotal]:
    totals: dict[tuple[str, str], list[float]] = defaultdict(list)
    for record in days:
        year, week, _ = record.day.isocalendar()
        totals[(record.person_id, f"{year}-W{week:02d}")].append(record.hours)
    return [
        WeekTotal(person_id, week, len(hours), round(sum(hours), 2))
        for (person_id, week), hours in sorted(totals.items())
    ]


def local_range(start: date, end: date, timezone: str) -> tuple[datetime, datetime]:
    """UTC-aware bounds from the start of ``start`` to the end of ``end``, site time, with
    the hours a night shift of ``end`` may run into the next day."""
    if end < start:
        raise InvalidInput("'until' is before 'since'")
    if end - start > MAX_RANGE:
        raise InvalidInput(f"ask for at most {MAX_RANGE.days} days at a time")
    zone = ZoneInfo(timezone)
    opening = datetime.combine(start, datetime.min.time(), zone)
    closing = datetime.combine(end + timedelta(days=1), datetime.min.time(), zone) + MAX_SHIFT
    return opening, closing


def load_passages(
    events: EventTables, site_id: str, since: datetime, until: datetime, people: frozenset[str]
) -> list[Passage]:
    """Granted passes of ``people`` between ``since`` and ``until`` (keyset pages)."""
    passages = []
    cursor = None
    while True:
        page = events.query_events(
            EventQuery(
                site_id=site_id,
                kind="access.granted",
                since=since,
                until=until,
                limit=1000,
                after=cursor,
            )
        )
        for event in page.events:
            person_id = event.attributes.get("person_ref")
            if person_id in people:
                direction = event.attributes.get("direction", "in")
                passages.append(Passage(str(person_id), event.occurred_at, str(direction)))
        if page.next_cursor is None:
            return passages
        cursor = page.next_cursor


def report(
    access: AccessTables,
    events: EventTables,
    site_id: str,
    timezone: str,
    start: date,
    end: date,
    group: str = "staff",
) -> list[AttendanceDay]:
    """Attendance days of the site's ``group`` members from ``start`` to ``end`` (local)."""
    people = frozenset(p.person_id for p in access.list_people(site_id, group))
    since, until = local_range(start, end, timezone)
    days = attendance_days(load_passages(events, site_id, since, until, people), timezone)
    return [day for day in days if start <= day.day <= end]
