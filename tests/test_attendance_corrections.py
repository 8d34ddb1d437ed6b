"""Attendance corrections and figures as pure functions: the latest correction of a
day wins, a time left out keeps the recorded one, a night shift's out is the next
morning, a correction makes a day with no passes; late days, missing punches and the
totals per person and for the group by day, week and month."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from sitewarden.access.attendance import AttendanceDay
from sitewarden.access.attendance_corrections import (
    Correction,
    apply_corrections,
    correction_times,
)
from sitewarden.access.attendance_figures import marks, totals
from sitewarden.errors import InvalidInput

ZONE = "Asia/Shanghai"
SHANGHAI = ZoneInfo(ZONE)
DAY = date(2026, 11, 3)  # a Tuesday


def _at(day: date, clock: str) -> datetime:
    hour, minute = (int(part) for part in clock.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def _correction(
    person: str, day: date, first: time | None, last: time | None, n: int = 0
) -> Correction:
    opened, closed = correction_times(day, first, last, ZONE)
    at = datetime(2026, 11, 20, tzinfo=UTC) + timedelta(minutes=n)
    return Correction("s", person, day, f"c-{n}", opened, closed, "why", "admin", at)


def test_a_last_out_set_alone_keeps_the_recorded_in_and_ends_the_missing_punch() -> None:
    recorded = AttendanceDay("ann", DAY, _at(DAY, "08:40"), None, 0.0)
    [day] = apply_corrections(
        [recorded], [_correction("ann", DAY, None, time(17, 40))], frozenset({"ann"}), ZONE
    )
    assert day.day.hours == 9.0 and day.day.first_in == _at(DAY, "08:40")
    assert day.recorded_last_out is None and day.correction is not None
    assert marks(day, time(9, 0)).missing_out is False


def test_the_latest_correction_of_a_day_wins() -> None:
    recorded = AttendanceDay("ann", DAY, _at(DAY, "09:30"), _at(DAY, "17:30"), 8.0)
    first = _correction("ann", DAY, time(8, 0), None, n=1)
    second = _correction("ann", DAY, time(8, 30), None, n=2)
    [day] = apply_corrections([recorded], [first, second], frozenset({"ann"}), ZONE)
    assert day.day.first_in == _at(DAY, "08:30") and day.day.hours == 9.0
    assert day.correction == second and marks(day, time(9, 0)).late is False


def test_a_night_shifts_corrected_out_is_the_next_morning() -> None:
    recorded = AttendanceDay("bo", DAY, _at(DAY, "22:00"), None, 0.0)
    [day] = apply_corrections(
        [recorded], [_correction("bo", DAY, None, time(6, 0))], frozenset({"bo"}), ZONE
    )
    assert day.day.last_out == _at(DAY + timedelta(days=1), "06:00") and day.day.hours == 8.0
    opened, closed = correction_times(DAY, time(22, 0), time(6, 0), ZONE)
    assert opened is not None and closed is not None and closed - opened == timedelta(hours=8)


def test_a_correction_makes_a_day_without_passes_for_members_only() -> None:
    fixes = [
        _correction("ann", DAY, time(9, 0), time(17, 0)),
        _correction("eve", DAY, time(9, 0), None),
    ]
    [day] = apply_corrections([], fixes, frozenset({"ann"}), ZONE)
    assert day.day.person_id == "ann" and day.day.hours == 8.0
    assert day.recorded_first_in is None and day.recorded_last_out is None


def test_a_correction_needs_a_time_and_an_out_not_long_before_the_in() -> None:
    with pytest.raises(InvalidInput):
        correction_times(DAY, None, None, ZONE)
    with pytest.raises(InvalidInput):
        correction_times(DAY, time(9, 0), time(8, 0), ZONE)


def test_late_missing_and_totals_by_week_month_and_group() -> None:
    other = DAY + timedelta(days=7)
    days = apply_corrections(
        [
            AttendanceDay("ann", DAY, _at(DAY, "09:20"), _at(DAY, "17:20"), 8.0),
            AttendanceDay("ann", other, None, _at(other, "18:00"), 0.0),
            AttendanceDay("bo", DAY, _at(DAY, "08:00"), _at(DAY, "16:30"), 8.5),
        ],
        [],
        frozenset({"ann", "bo"}),
        ZONE,
    )
    assert marks(days[0], time(9, 0)).late and not marks(days[0], time(9, 30)).late
    assert marks(days[1], time(9, 0)).missing_in
    weeks = totals(days, time(9, 0), "week", per_person=True)
    assert [(w.person_id, w.period, w.hours, w.late, w.missing) for w in weeks] == [
        ("ann", "2026-W45", 8.0, 1, 0),
        ("ann", "2026-W46", 0.0, 0, 1),
        ("bo", "2026-W45", 8.5, 0, 0),
    ]
    [month] = totals(days, time(9, 0), "month", per_person=False)
    assert (month.person_id, month.period, month.people, month.days, month.hours) == (
        None,
        "2026-11",
        2,
        3,
        16.5,
    )
    group_days = totals(days, time(9, 0), "day", per_person=False)
    assert [(g.period, g.people) for g in group_days] == [("2026-11-03", 2), ("2026-11-10", 1)]
