"""The attendance report as the API answers it, and the same report as CSV and XLSX.

The files are written from the answer itself (:class:`AttendanceOut`), so an export
holds exactly the figures the page shows: corrections applied, late days and missing
punches marked, totals per person and per group by day, week and month.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any

from openpyxl import Workbook
from pydantic import BaseModel, Field

from sitewarden.access import attendance
from sitewarden.access.attendance_corrections import (
    AttendanceCorrections,
    CorrectedDay,
    apply_corrections,
)
from sitewarden.access.attendance_figures import PeriodTotal, marks, totals
from sitewarden.access.tables import AccessTables
from sitewarden.intake.event_tables import EventTables


class CorrectionOut(BaseModel):
    correction_id: str
    corrected_by: str
    corrected_at: datetime
    reason: str | None = Field(description="only with a purpose, like the names")


class AttendanceDayOut(BaseModel):
    person_ref: str
    name: str | None = None
    day: date
    first_in: datetime | None
    last_out: datetime | None
    hours: float
    late: bool
    missing_in: bool
    missing_out: bool
    corrected: bool
    recorded_first_in: datetime | None = Field(description="what the readers recorded")
    recorded_last_out: datetime | None
    correction: CorrectionOut | None = None


class PeriodTotalOut(BaseModel):
    person_ref: str | None = Field(description="null: the whole group")
    name: str | None = None
    period: str = Field(description="'2026-11-03', '2026-W45' or '2026-11'")
    days: int
    hours: float
    late: int
    missing: int = Field(description="days with a missing punch")
    people: int


class GroupTotalsOut(BaseModel):
    days: list[PeriodTotalOut]
    weeks: list[PeriodTotalOut]
    months: list[PeriodTotalOut]


class AttendanceOut(BaseModel):
    site_id: str
    timezone: str
    since: date
    until: date
    group: str
    late_after: str = Field(description="a first in after this (site time) is late")
    disclosure: str
    days: list[AttendanceDayOut]
    weeks: list[PeriodTotalOut]
    months: list[PeriodTotalOut]
    group_totals: GroupTotalsOut


def corrected_days(
    access: AccessTables,
    events: EventTables,
    corrections: AttendanceCorrections,
    site_id: str,
    timezone: str,
    start: date,
    end: date,
    group: str,
) -> list[CorrectedDay]:
    people = frozenset(p.person_id for p in access.list_people(site_id, group))
    days = attendance.report(access, events, site_id, timezone, start, end, group)
    return apply_corrections(days, corrections.between(site_id, start, end), people, timezone)


def build_report(
    records: Sequence[CorrectedDay],
    *,
    site_id: str,
    timezone: str,
    since: date,
    until: date,
    group: str,
    late_after: time,
    disclosure: str,
    names: dict[str, str] | None,
) -> AttendanceOut:
    def name(person_id: str | None) -> str | None:
        return None if names is None or person_id is None else names.get(person_id)

    def period(total: PeriodTotal) -> PeriodTotalOut:
        return PeriodTotalOut(
            person_ref=total.person_id,
            name=name(total.person_id),
            period=total.period,
            days=total.days,
            hours=total.hours,
            late=total.late,
            missing=total.missing,
            people=total.people,
        )

    def day(record: CorrectedDay) -> AttendanceDayOut:
        flags = marks(record, late_after)
        fix = record.correction
        return AttendanceDayOut(
            person_ref=record.day.person_id,
            name=name(record.day.person_id),
            day=record.day.day,
            first_in=record.day.first_in,
            last_out=record.day.last_out,
            hours=record.day.hours,
            late=flags.late,
            missing_in=flags.missing_in,
            missing_out=flags.missing_out,
            corrected=fix is not None,
            recorded_first_in=record.recorded_first_in if fix else record.day.first_in,
            recorded_last_out=record.recorded_last_out if fix else record.day.last_out,
            correction=None
            if fix is None
            else CorrectionOut(
                correction_id=fix.correction_id,
                corrected_by=fix.corrected_by,
                corrected_at=fix.corrected_at,
                reason=fix.reason if names is not None else None,
            ),
        )

    return AttendanceOut(
        site_id=site_id,
        timezone=timezone,
        since=since,
        until=until,
        group=group,
        late_after=late_after.strftime("%H:%M"),
        disclosure=disclosure,
        days=[day(r) for r in records],
        weeks=[period(t) for t in totals(records, late_after, "week", per_person=True)],
        months=[period(t) for t in totals(records, late_after, "month", per_person=True)],
        group_totals=GroupTotalsOut(
            days=[period(t) for t in totals(records, late_after, "day", per_person=False)],
            weeks=[period(t) for t in totals(records, late_after, "week", per_person=False)],
            months=[period(t) for t in totals(records, late_after, "month", per_person=False)],
        ),
    )


DAY_COLUMNS = (
    "person_ref",
    "name",
    "day",
    "first_in",
    "last_out",
    "hours",
    "late",
    "missing_in",
    "missing_out",
    "corrected",
    "recorded_first_in",
    "recorded_last_out",
    "corrected_by",
    "correction_reason",
)
TOTAL_COLUMNS = ("person_ref", "name", "period", "days", "hours", "late", "missing", "people")


def _day_row(day: AttendanceDayOut) -> list[Any]:
    fields = day.model_dump(mode="json")
    fix = day.correction
    return [
        *(fields[c] for c in DAY_COLUMNS[:12]),
        None if fix is None else fix.corrected_by,
        None if fix is None else fix.reason,
    ]


def _total_row(total: PeriodTotalOut) -> list[Any]:
    fields = total.model_dump(mode="json")
    return [fields[c] for c in TOTAL_COLUMNS]


def _safe(value: Any) -> Any:
    """Keep spreadsheets from running a name or a reason as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def to_csv(report: AttendanceOut) -> str:
    """The days, one row each, as the JSON has them (true/false, ISO times, empty for null)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(DAY_COLUMNS)
    for day in report.days:
        writer.writerow(
            [
                "" if v is None else ("true" if v is True else "false" if v is False else _safe(v))
                for v in _day_row(day)
            ]
        )
    return buffer.getvalue()


def to_xlsx(report: AttendanceOut) -> bytes:
    """Sheets: the report's terms, the days, the totals per person by week and month,
    and the group's totals by day, week and month. Times stay ISO text with their
    offset, as in the JSON; figures are numbers."""
    book = Workbook()
    about = book.active
    assert about is not None
    about.title = "Report"
    for key in ("site_id", "timezone", "since", "until", "group", "late_after", "disclosure"):
        about.append([key, str(getattr(report, key))])
    sheets: list[tuple[str, Sequence[str], list[list[Any]]]] = [
        ("Days", DAY_COLUMNS, [_day_row(d) for d in report.days]),
        ("Weeks", TOTAL_COLUMNS, [_total_row(t) for t in report.weeks]),
        ("Months", TOTAL_COLUMNS, [_total_row(t) for t in report.months]),
        ("Group days", TOTAL_COLUMNS, [_total_row(t) for t in report.group_totals.days]),
        ("Group weeks", TOTAL_COLUMNS, [_total_row(t) for t in report.group_totals.weeks]),
        ("Group months", TOTAL_COLUMNS, [_total_row(t) for t in report.group_totals.months]),
    ]
    for title, columns, rows in sheets:
        sheet = book.create_sheet(title)
        sheet.append(list(columns))
        for row in rows:
            sheet.append([_safe(v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
