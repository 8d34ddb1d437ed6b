"""Rule evaluation at its edges: window starts and ends, overnight windows, 24:00,
holidays, rule and person validity windows, the site's timezone, named groups."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from sitewarden.access.groups import check_rule_group, parse_group_names, person_groups
from sitewarden.access.records import AccessRule, Person
from sitewarden.access.schedule import evaluate_rules, parse_window, person_verdict
from sitewarden.errors import InvalidInput

SHANGHAI = "Asia/Shanghai"
NO_HOLIDAYS: frozenset[str] = frozenset()


def local(text: str) -> datetime:
    """A moment given in Shanghai time (2026-11-23 is a Monday)."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(SHANGHAI))


def rule(
    *windows: tuple[list[str], str, str], holidays: bool = False, **extra: object
) -> AccessRule:
    return AccessRule(
        site_id="s",
        rule_id="r",
        group="staff",
        zone_id="*",
        windows=tuple(parse_window(days, start, end) for days, start, end in windows),
        applies_on_holidays=holidays,
        valid_from=extra.get("valid_from"),  # type: ignore[arg-type]
        valid_until=extra.get("valid_until"),  # type: ignore[arg-type]
        created_at=datetime.now(UTC),
    )


def reason(
    rules: list[AccessRule], moment: datetime, holidays: frozenset[str] = NO_HOLIDAYS
) -> str:
    return evaluate_rules(rules, {"staff"}, "lobby", moment, SHANGHAI, holidays).reason


WEEKDAYS = rule((["mon", "tue", "wed", "thu", "fri"], "08:00", "18:00"))


def test_a_window_includes_its_start_and_excludes_its_end() -> None:
    assert reason([WEEKDAYS], local("2026-11-23T07:59:59")) == "outside_schedule"
    assert reason([WEEKDAYS], local("2026-11-23T08:00:00")) == "granted"
    assert reason([WEEKDAYS], local("2026-11-23T17:59:59")) == "granted"
    assert reason([WEEKDAYS], local("2026-11-23T18:00:00")) == "outside_schedule"
    assert reason([WEEKDAYS], local("2026-11-28T12:00:00")) == "outside_schedule"  # Saturday


def test_windows_are_read_in_the_site_timezone_not_utc() -> None:
    # 01:00 UTC on Monday is 09:00 in Shanghai: inside; 11:00 UTC is 19:00: outside.
    assert reason([WEEKDAYS], datetime(2026, 11, 23, 1, tzinfo=UTC)) == "granted"
    assert reason([WEEKDAYS], datetime(2026, 11, 23, 11, tzinfo=UTC)) == "outside_schedule"


def test_an_overnight_window_runs_into_the_next_day() -> None:
    night = rule((["fri"], "22:00", "06:00"))
    assert reason([night], local("2026-11-27T21:59:00")) == "outside_schedule"
    assert reason([night], local("2026-11-27T23:30:00")) == "granted"
    assert reason([night], local("2026-11-28T05:59:00")) == "granted"  # Saturday morning
    assert reason([night], local("2026-11-28T06:00:00")) == "outside_schedule"
    assert reason([night], local("2026-11-24T01:00:00")) == "outside_schedule"  # Tuesday


def test_an_end_of_24_00_covers_the_last_minute_of_the_day() -> None:
    whole = rule((["sun"], "00:00", "24:00"))
    assert reason([whole], local("2026-11-29T23:59:59")) == "granted"
    assert reason([whole], local("2026-11-30T00:00:00")) == "outside_schedule"


def test_holidays_close_rules_unless_they_apply_on_holidays() -> None:
    holiday = frozenset({"2026-11-23"})
    assert reason([WEEKDAYS], local("2026-11-23T10:00"), holiday) == "holiday"
    open_anyway = rule((["mon"], "08:00", "18:00"), holidays=True)
    assert reason([WEEKDAYS, open_anyway], local("2026-11-23T10:00"), holiday) == "granted"


def test_no_rule_for_the_group_or_zone_is_not_permitted() -> None:
    assert reason([], local("2026-11-23T10:00")) == "not_permitted"
    verdict = evaluate_rules(
        [WEEKDAYS], {"visitor"}, "lobby", local("2026-11-23T10:00"), SHANGHAI, NO_HOLIDAYS
    )
    assert verdict.reason == "not_permitted"


def test_a_rule_outside_its_validity_window_does_not_apply() -> None:
    moment = local("2026-11-23T10:00")
    ended = rule((["mon"], "08:00", "18:00"), valid_until=moment - timedelta(seconds=1))
    starts = rule((["mon"], "08:00", "18:00"), valid_from=moment)
    assert reason([ended], moment) == "not_permitted"
    assert reason([starts], moment) == "granted"


def test_person_validity_and_bar_come_before_rules() -> None:
    moment = datetime(2026, 11, 23, 2, tzinfo=UTC)
    person = Person(
        "s",
        "p1",
        "staff",
        moment,
        moment + timedelta(days=1),
        b"",
        None,
        None,
        None,
        None,
        None,
        moment,
        "t",
    )
    assert person_verdict(person, moment) is None
    assert person_verdict(person, moment - timedelta(seconds=1)) == "not_yet_valid"
    assert person_verdict(person, moment + timedelta(days=1)) == "expired"
    barred = Person(
        "s", "p1", "staff", None, None, b"", None, None, moment, "admin", None, moment, "t"
    )
    assert person_verdict(barred, moment) == "barred"


@pytest.mark.parametrize(
    ("days", "start", "end"),
    [
        (["someday"], "08:00", "10:00"),
        (["mon"], "8am", "10:00"),
        ([], "08:00", "10:00"),
        (["mon"], "24:00", "10:00"),
    ],
)
def test_bad_windows_are_refused_with_a_reason(days: list[str], start: str, end: str) -> None:
    with pytest.raises(InvalidInput):
        parse_window(days, start, end)


def test_a_rule_for_a_named_group_lets_in_its_members_only() -> None:
    moment = local("2026-11-23T10:00")
    tower_a = replace(rule((["mon"], "08:00", "18:00")), rule_id="ta", group="tower-a")
    resident = Person(
        "s", "p1", "resident", None, None, b"", None, None, None, None, None, moment, "t"
    )
    member = person_groups(resident, ["tower-a"])
    assert member == {"resident", "tower-a"}
    verdict = evaluate_rules([tower_a], member, "lobby", moment, SHANGHAI, NO_HOLIDAYS)
    assert (verdict.reason, verdict.rule_id) == ("granted", "ta")
    outsider = person_groups(resident, ["tower-b"])
    assert evaluate_rules([tower_a], outsider, "lobby", moment, SHANGHAI, NO_HOLIDAYS).reason == (
        "not_permitted"
    )
    # The person's type still counts beside their named groups.
    for_residents = replace(tower_a, rule_id="res", group="resident")
    assert evaluate_rules([for_residents], outsider, "lobby", moment, SHANGHAI, NO_HOLIDAYS).granted


def test_named_group_names_are_checked_and_sorted_without_repeats() -> None:
    assert parse_group_names(["tower-b", "tower-a", "tower-b", "9th-floor"]) == (
        "9th-floor",
        "tower-a",
        "tower-b",
    )
    check_rule_group("resident")
    check_rule_group("tower-a")
    for bad in ("Tower-A", "-tower", "tower a", "", "x" * 41, "résident", "*", "tower\n"):
        with pytest.raises(InvalidInput, match="lowercase letters"):
            parse_group_names([bad])
        with pytest.raises(InvalidInput, match="lowercase letters"):
            check_rule_group(bad)
    with pytest.raises(InvalidInput, match="is a person type"):
        parse_group_names(["staff"])
    with pytest.raises(InvalidInput, match="at most 20"):
        parse_group_names([f"g{n}" for n in range(21)])
