"""Parking fees: integer minor units, counted in the site's own timezone.

A stay is cut into hour slots from the moment of entry. Stays no longer than the
free minutes cost nothing; otherwise every started slot costs the hourly rate, or
the night rate if the slot starts inside the night window (local time). The daily
cap limits what the slots starting on one local calendar day add up to, so a cap
starts afresh at local midnight. Slots are real elapsed hours: the night clocks go
back, a stay of four hours is billed four hours although the wall clock moved three.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.numbers import list_currencies

from sitewarden.errors import InvalidInput

SLOT = timedelta(hours=1)
# ISO 4217 codes as CLDR knows them (Babel's data): a typo such as "CYN" for "CNY" would
# otherwise be priced, charged and shown as a currency nobody pays in.
CURRENCIES = frozenset(list_currencies())


@dataclass(frozen=True, slots=True)
class Tariff:
    """A garage's prices; every amount in minor units of ``currency`` (fen, cents)."""

    currency: str
    hourly_minor: int
    free_minutes: int = 0
    night_hourly_minor: int | None = None
    night_start: time | None = None
    night_end: time | None = None
    daily_cap_minor: int | None = None
    lost_ticket_minor: int = 0
    exit_grace_minutes: int = 15  # after paying, this long to reach the exit

    def check(self) -> Tariff:
        if self.currency not in CURRENCIES:
            raise InvalidInput(
                f"currency {self.currency!r} is not an ISO 4217 code: use one such as 'CNY'"
            )
        amounts = (self.hourly_minor, self.night_hourly_minor, self.daily_cap_minor)
        if any(a is not None and a < 0 for a in amounts) or self.lost_ticket_minor < 0:
            raise InvalidInput("amounts are minor units and cannot be negative")
        if (self.night_start is None) != (self.night_end is None) or (
            self.night_start is not None and self.night_hourly_minor is None
        ):
            raise InvalidInput("a night rate needs night_hourly_minor, night_start and night_end")
        if self.night_start is not None and self.night_start == self.night_end:
            raise InvalidInput("night_start and night_end must differ")
        if not 0 <= self.free_minutes <= 24 * 60 or not 0 <= self.exit_grace_minutes <= 240:
            raise InvalidInput("free_minutes must be 0-1440 and exit_grace_minutes 0-240")
        return self

    def is_night(self, local: time) -> bool:
        start, end = self.night_start, self.night_end
        if start is None or end is None:
            return False
        if start < end:
            return start <= local < end
        return local >= start or local < end  # the window spans midnight

    def rate_at(self, local: time) -> int:
        if self.night_hourly_minor is not None and self.is_night(local):
            return self.night_hourly_minor
        return self.hourly_minor


@dataclass(frozen=True, slots=True)
class FeeDay:
    """What the slots starting on one local calendar day add up to, and what is charged."""

    day: date
    slots: int  # started hours counted on this day
    night_slots: int  # of them, those charged at the night rate
    before_cap_minor: int
    charged_minor: int  # before_cap_minor, limited by the daily cap

    @property
    def capped(self) -> bool:
        return self.charged_minor < self.before_cap_minor


@dataclass(frozen=True, slots=True)
class FeeBreakdown:
    """How :func:`parking_fee` arrived at its figure: the gate and any preview use this."""

    total_minor: int
    elapsed: timedelta
    within_free_minutes: bool
    days: tuple[FeeDay, ...]
    clock_change: timedelta  # the local clock's offset at the end minus at the start (DST)


def _offset(moment: datetime, zone: ZoneInfo) -> timedelta:
    return moment.astimezone(zone).utcoffset() or timedelta(0)


def fee_breakdown(tariff: Tariff, entry: datetime, until: datetime, timezone: str) -> FeeBreakdown:
    """The fee of a stay from ``entry`` to ``until`` (aware datetimes), day by local day.

    A clock that went backwards (``until`` before ``entry``) counts as no time.
    """
    zone = ZoneInfo(timezone)
    # In UTC: Python subtracts and adds datetimes of one tzinfo on the wall clock, which
    # would bill the night the clocks go back an hour short.
    entry, until = entry.astimezone(UTC), until.astimezone(UTC)
    elapsed = until - entry
    clock_change = _offset(until, zone) - _offset(entry, zone) if until > entry else timedelta(0)
    if elapsed <= timedelta(minutes=tariff.free_minutes):
        return FeeBreakdown(0, max(elapsed, timedelta(0)), True, (), clock_change)
    slots: dict[date, list[int]] = {}
    slot_start = entry
    while slot_start < until:
        local = slot_start.astimezone(zone)
        counts = slots.setdefault(local.date(), [0, 0, 0])
        rate = tariff.rate_at(local.time())
        counts[0] += 1
        counts[1] += int(tariff.night_hourly_minor is not None and tariff.is_night(local.time()))
        counts[2] += rate
        slot_start += SLOT
    cap = tariff.daily_cap_minor
    days = tuple(
        FeeDay(day, count, night, amount, amount if cap is None else min(amount, cap))
        for day, (count, night, amount) in slots.items()
    )
    return FeeBreakdown(sum(d.charged_minor for d in days), elapsed, False, days, clock_change)


def parking_fee(tariff: Tariff, entry: datetime, until: datetime, timezone: str) -> int:
    """What a stay from ``entry`` to ``until`` (aware datetimes) costs, in minor units.

    A clock that went backwards (``until`` before ``entry``) counts as no time.
    """
    return fee_breakdown(tariff, entry, until, timezone).total_minor
