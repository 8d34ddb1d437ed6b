"""Attendance: first in / last out per staff member per local day, night shifts that
cross midnight, weekly totals, and the API and CSV (names only with a purpose, audited)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sitewarden.access.attendance import Passage, attendance_days, week_totals
from sitewarden.accounts.roles import Role
from tests.conftest import LiveServer, device_client
from tests.test_access_decisions import AccessSite

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: date, clock: str) -> datetime:
    hour, minute = (int(part) for part in clock.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def test_a_night_shift_across_midnight_counts_on_the_day_it_began() -> None:
    monday = date(2026, 11, 23)
    tuesday = monday + timedelta(days=1)
    passages = [
        Passage("guard", at(monday, "21:50"), "in"),
        Passage("guard", at(tuesday, "02:00"), "out"),  # a break outside
        Passage("guard", at(tuesday, "02:20"), "in"),
        Passage("guard", at(tuesday, "06:05"), "out"),
        Passage("guard", at(tuesday, "21:55"), "in"),
        Passage("guard", at(tuesday + timedelta(days=1), "06:00"), "out"),
    ]
    days = attendance_days(passages, "Asia/Shanghai")
    assert [(d.day, d.first_in, d.last_out) for d in days] == [
        (monday, at(monday, "21:50"), at(tuesday, "06:05")),
        (tuesday, at(tuesday, "21:55"), at(tuesday + timedelta(days=1), "06:00")),
    ]
    assert [d.hours for d in days] == [8.25, 8.08]


def test_day_shifts_take_first_in_and_last_out_and_flag_a_missing_out() -> None:
    monday = date(2026, 11, 23)
    passages = [
        Passage("clerk", at(monday, "08:58"), "in"),
        Passage("clerk", at(monday, "12:00"), "out"),
        Passage("clerk", at(monday, "13:00"), "in"),
        Passage("clerk", at(monday, "17:58"), "out"),
        Passage("clerk", at(monday + timedelta(days=1), "09:00"), "in"),
    ]
    first, second = attendance_days(passages, "Asia/Shanghai")
    assert first.hours == 9.0 and not first.missing_out
    assert second.missing_out and second.hours == 0.0


def test_days_are_local_days_not_utc_days() -> None:
    # 23:30 UTC on Sunday is 07:30 on Monday in Shanghai.
    sunday_utc = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)
    days = attendance_days(
        [Passage("a", sunday_utc, "in"), Passage("a", sunday_utc + timedelta(hours=9), "out")],
        "Asia/Shanghai",
    )
    assert [d.day for d in days] == [date(2026, 11, 23)]


def test_weekly_totals_add_the_days_of_each_iso_week() -> None:
    monday = date(2026, 11, 23)
    passages = []
    for offset in range(7):  # Monday to Sunday: one ISO week
        day = monday + timedelta(days=offset)
        passages += [Passage("w", at(day, "09:00"), "in"), Passage("w", at(day, "17:00"), "out")]
    passages += [Passage("w", at(monday + timedelta(days=7), "09:00"), "in")]
    totals = week_totals(attendance_days(passages, "Asia/Shanghai"))
    assert [(t.week, t.days, t.hours) for t in totals] == [
        ("2026-W48", 7, 56.0),
        ("2026-W49", 1, 0.0),
    ]


def test_attendance_api_and_csv_reveal_names_only_with_a_purpose(
    shared_server: LiveServer,
) -> None:
    site = AccessSite(shared_server, "at-api")
    guard = site.person("Night Guard", group="staff")
    resident = site.person("Not Staff", group="resident")
    yesterday = datetime.now(SHANGHAI).date() - timedelta(days=1)
    start = at(yesterday, "22:00")
    events = [
        {
            "kind": "access.granted",
            "time": moment.astimezone(UTC).isoformat(),
            "attributes": {"credential": "badge", "direction": direction, "person_ref": person},
        }
        for person in (guard["person_id"], resident["person_id"])
        for moment, direction in ((start, "in"), (start + timedelta(hours=8), "out"))
        if moment < datetime.now(UTC)
    ]
    with device_client(shared_server, site.readers["gate"]) as gate:
        assert gate.post("/api/v1/events", json=events).status_code == 200
    span = {"since": yesterday.isoformat(), "until": (yesterday + timedelta(days=1)).isoformat()}
    plain = site.admin("GET", "/attendance", params=span).json()
    assert [d["person_ref"] for d in plain["days"]] == [guard["person_id"]]
    [day] = plain["days"]
    assert day["day"] == yesterday.isoformat() and day["name"] is None
    assert plain["disclosure"] == "none"
    if start + timedelta(hours=8) < datetime.now(UTC):
        assert day["hours"] == 8.0 and plain["weeks"][0]["hours"] == 8.0
    with shared_server.client(Role.OPERATOR) as operator:
        named = operator.get(
            "/api/v1/access/sites/at-api/attendance",
            params={**span, "purpose": "payroll check", "format": "csv"},
        )
    assert named.status_code == 200 and named.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(named.text)))
    assert [row["name"] for row in rows] == ["N**** G****"]
    with shared_server.client() as admin:
        audit = admin.get("/api/v1/audit", params={"limit": 1000}).json()["entries"]
    [entry] = [e for e in audit if e["action"] == "attendance.read" and e["site_id"] == "at-api"]
    assert entry["purpose"] == "payroll check" and entry["targets"] == [f"p-{guard['person_id']}"]
    with shared_server.client(Role.VIEWER) as viewer:
        assert viewer.get("/api/v1/access/sites/at-api/attendance", params=span).status_code == 403
