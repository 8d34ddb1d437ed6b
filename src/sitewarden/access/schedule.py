"""Access rules: which group (a person type or a named group) may pass in which zone,
when (weekly windows in the site's timezone, holidays), and within which validity
window. Pure functions: the decision code passes in the rules, the person's groups, the
site's holidays and the moment.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from sitewarden.access.records import ALL_ZONES, AccessRule, Person, Window
from sitewarden.errors import InvalidInput

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse_days(days: Iterable[str | int]) -> tuple[int, ...]:
    """``["mon", "fri"]`` or ``[0, 4]`` -> ``(0, 4)``."""
    parsed = set()
    for day in days:
        if isinstance(day, int) and 0 <= day <= 6:
            parsed.add(day)
        elif isinstance(day, str) and day.strip().lower()[:3] in DAY_NAMES:
            parsed.add(DAY_NAMES.index(day.strip().lower()[:3]))
        else:
            raise InvalidInput(f"unknown day {day!r}; use mon..sun or 0 (Monday) to 6")
    if not parsed:
        raise InvalidInput("a window needs at least one day")
    return tuple(sorted(parsed))


def parse_clock(text: str, *, end: bool = False) -> time | None:
    """``"08:30"`` -> 08:30; ``"24:00"`` (an end only) -> None, meaning midnight after."""
    if end and text.strip() == "24:00":
        return None
    try:
        parsed = time.fromisoformat(text.strip())
    except ValueError as exc:
        raise InvalidInput(
            f"time {text!r} is not HH:MM (00:00 to 23:59, or 24:00 as an end)"
        ) from exc
    if parsed.second or parsed.microsecond or parsed.tzinfo is not None:
        raise InvalidInput(f"time {text!r}: give hours and minutes only, in site time")
    return parsed


def parse_window(days: Iterable[str | int], start: str, end: str) -> Window:
    opening = parse_clock(start)
    assert opening is not None
    return Window(parse_days(days), opening, parse_clock(end, end=True))


def window_open(window: Window, local: datetime) -> bool:
    """Whether ``local`` (site time) falls in the window; an end at or before the start
    runs over midnight into the next day."""
    now = local.time().replace(tzinfo=None)
    today = local.weekday()
    yesterday = (today - 1) % 7
    if window.end is None:
        return today in window.days and now >= window.start
    if window.end > window.start:
        return today in window.days and window.start <= now < window.end
    return (today in window.days and now >= window.start) or (
        yesterday in window.days and now < window.end
    )


def _within(moment: datetime, start: datetime | None, end: datetime | None) -> bool:
    return (start is None or moment >= start) and (end is None or moment < end)


@dataclass(frozen=True, slots=True)
class RuleVerdict:
    granted: bool
    reason: str  # 'granted', 'not_permitted', 'outside_schedule' or 'holiday'
    rule_id: str | None = None


def evaluate_rules(
    rules: Sequence[AccessRule],
    groups: Collection[str],
    zone_id: str | None,
    moment: datetime,
    timezone: str,
    holidays: frozenset[str],
) -> RuleVerdict:
    """Whether any rule lets one of ``groups`` (a person's type and named groups) into
    ``zone_id`` at ``moment`` (aware, any zone)."""
    assert not isinstance(groups, str), "pass a collection of groups, not one name"
    local = moment.astimezone(ZoneInfo(timezone))
    holiday = local.date().isoformat() in holidays
    candidates = [
        rule
        for rule in rules
        if rule.group in groups
        and rule.zone_id in (ALL_ZONES, zone_id)
        and _within(moment, rule.valid_from, rule.valid_until)
    ]
    if not candidates:
        return RuleVerdict(False, "not_permitted")
    blocked_by_holiday = False
    for rule in candidates:
        if not any(window_open(window, local) for window in rule.windows):
            continue
        if holiday and not rule.applies_on_holidays:
            blocked_by_holiday = True
            continue
        return RuleVerdict(True, "granted", rule.rule_id)
    return RuleVerdict(False, "holiday" if blocked_by_holiday else "outside_schedule")


def person_verdict(person: Person, moment: datetime) -> str | None:
    """Why the person may not pass at all now ('barred', 'not_yet_valid', 'expired')."""
    if person.barred_at is not None:
        return "barred"
    if person.valid_from is not None and moment < person.valid_from:
        return "not_yet_valid"
    if person.valid_until is not None and moment >= person.valid_until:
        return "expired"
    return None
