"""Fees in integer minor units, counted in the site's timezone: midnight, night rate,
daily caps, daylight-saving changes, free minutes, grace after paying."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sitewarden.errors import InvalidInput
from sitewarden.parking.gate_rules import settle_exit
from sitewarden.parking.records import ParkingSession
from sitewarden.parking.tariffs import Tariff, parking_fee

SHANGHAI = "Asia/Shanghai"
BERLIN = "Europe/Berlin"
DAY_NIGHT = Tariff(
    currency="CNY",
    hourly_minor=500,
    free_minutes=15,
    night_hourly_minor=200,
    night_start=time(22),
    night_end=time(7),
    daily_cap_minor=3000,
    lost_ticket_minor=10000,
    exit_grace_minutes=15,
)


def local(zone: str, *args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(zone))  # type: ignore[misc]


def test_a_stay_within_the_free_minutes_costs_nothing() -> None:
    entry = local(SHANGHAI, 2026, 3, 2, 10, 0)
    assert parking_fee(DAY_NIGHT, entry, entry + timedelta(minutes=15), SHANGHAI) == 0
    assert parking_fee(DAY_NIGHT, entry, entry + timedelta(minutes=16), SHANGHAI) == 500


def test_every_started_hour_is_charged() -> None:
    entry = local(SHANGHAI, 2026, 3, 2, 10, 0)
    assert parking_fee(DAY_NIGHT, entry, entry + timedelta(hours=2, minutes=1), SHANGHAI) == 1500


def test_slots_starting_at_night_cost_the_night_rate() -> None:
    entry = local(SHANGHAI, 2026, 3, 2, 20, 30)
    # slots at 20:30, 21:30 (day) and 22:30, 23:30 (night)
    assert parking_fee(DAY_NIGHT, entry, local(SHANGHAI, 2026, 3, 3, 0, 30), SHANGHAI) == 1400


def test_the_daily_cap_applies_per_local_day_and_restarts_at_midnight() -> None:
    entry = local(SHANGHAI, 2026, 3, 2, 8, 0)
    # 8:00-22:00 is 14 day slots (7000 -> cap 3000); 22:00-24:00 is 2 night slots, still
    # the same day (cap reached); the next day 00:00-07:00 is 7 night slots (1400), then
    # 07:00-10:00 three day slots (1500): 2900, under the cap.
    until = local(SHANGHAI, 2026, 3, 3, 10, 0)
    assert parking_fee(DAY_NIGHT, entry, until, SHANGHAI) == 3000 + 2900


def test_the_cap_is_per_calendar_day_not_per_24_hours() -> None:
    flat = Tariff(currency="EUR", hourly_minor=300, daily_cap_minor=1000)
    entry = local(BERLIN, 2026, 6, 1, 23, 0)
    # one slot on June 1st, then 3 slots on June 2nd
    assert parking_fee(flat, entry, entry + timedelta(hours=4), BERLIN) == 300 + 900


def test_the_night_clocks_go_forward_a_stay_is_billed_by_real_time() -> None:
    flat = Tariff(currency="EUR", hourly_minor=250)
    entry = local(BERLIN, 2026, 3, 29, 1, 0)  # 02:00 does not exist that night
    until = local(BERLIN, 2026, 3, 29, 4, 0)  # three wall-clock hours, two real ones
    assert until - entry == timedelta(hours=3)  # aware arithmetic in one zone is wall time
    real = until.astimezone(UTC) - entry.astimezone(UTC)
    assert real == timedelta(hours=2)
    assert parking_fee(flat, entry.astimezone(UTC), until.astimezone(UTC), BERLIN) == 500


def test_the_night_clocks_go_back_the_extra_hour_is_billed() -> None:
    flat = Tariff(currency="EUR", hourly_minor=250)
    entry = local(BERLIN, 2026, 10, 25, 1, 0).astimezone(UTC)
    until = local(BERLIN, 2026, 10, 25, 4, 0).astimezone(UTC)
    assert until - entry == timedelta(hours=4)
    assert parking_fee(flat, entry, until, BERLIN) == 1000


def test_night_rate_follows_local_time_across_the_change() -> None:
    night = Tariff(
        currency="EUR",
        hourly_minor=400,
        night_hourly_minor=100,
        night_start=time(22),
        night_end=time(3),
    )
    # 2026-10-25 in Berlin: 03:00 CEST becomes 02:00 CET, so 02:xx happens twice.
    entry = datetime(2026, 10, 24, 23, 30, tzinfo=UTC)  # 01:30 CEST
    until = entry + timedelta(hours=4)
    # slot starts: 01:30 CEST, 02:30 CEST, 02:30 CET (night), 03:30 CET (day)
    assert parking_fee(night, entry, until, BERLIN) == 100 * 3 + 400


def test_a_clock_that_went_backwards_costs_nothing() -> None:
    entry = local(SHANGHAI, 2026, 3, 2, 10, 0)
    assert parking_fee(DAY_NIGHT, entry, entry - timedelta(minutes=5), SHANGHAI) == 0


@given(
    st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31)),
    st.integers(min_value=0, max_value=96 * 60),
    st.sampled_from([SHANGHAI, BERLIN, "America/New_York"]),
)
def test_fees_never_fall_as_the_stay_grows_and_respect_the_cap(
    start: datetime, minutes: int, zone: str
) -> None:
    entry = start.replace(tzinfo=UTC)
    until = entry + timedelta(minutes=minutes)
    fee = parking_fee(DAY_NIGHT, entry, until, zone)
    assert isinstance(fee, int) and fee >= 0
    assert parking_fee(DAY_NIGHT, entry, until + timedelta(minutes=30), zone) >= fee
    local_days = until.astimezone(ZoneInfo(zone)).date() - entry.astimezone(ZoneInfo(zone)).date()
    assert fee <= 3000 * (local_days.days + 1)


def _session(entry: datetime, **changes: object) -> ParkingSession:
    base = ParkingSession("s", "sess", "garage", "v-1", "open", entry, "gate-in", "CNY")
    return ParkingSession(**{**{f: getattr(base, f) for f in base.__slots__}, **changes})  # type: ignore[arg-type]


def test_paying_then_leaving_within_the_grace_period_opens() -> None:
    entry = local(SHANGHAI, 2026, 3, 2, 10, 0)
    paid_at = entry + timedelta(hours=1, minutes=50)  # owes 2 slots = 1000
    session = _session(entry, paid_minor=1000, paid_at=paid_at)
    inside = settle_exit(session, DAY_NIGHT, SHANGHAI, paid_at + timedelta(minutes=14), None)
    assert inside.close and inside.due_minor == 0
    late = settle_exit(session, DAY_NIGHT, SHANGHAI, paid_at + timedelta(minutes=16), None)
    assert not late.close and late.due_minor == 500


def test_lost_ticket_sessions_owe_the_flat_fee() -> None:
    entry = local(SHANGHAI, 2026, 3, 2, 10, 0)
    owed = settle_exit(_session(entry, lost_ticket=True), DAY_NIGHT, SHANGHAI, entry, None)
    assert (owed.close, owed.due_minor, owed.reason) == (False, 10000, "no_entry_record")


def test_tariffs_are_checked() -> None:
    with pytest.raises(InvalidInput):
        Tariff(currency="yuan", hourly_minor=1).check()
    with pytest.raises(InvalidInput, match="'CYN' is not an ISO 4217 code"):
        Tariff(currency="CYN", hourly_minor=1).check()  # a typo of CNY
    for code in ("CNY", "JPY", "EUR", "KWD"):
        assert Tariff(currency=code, hourly_minor=1).check().currency == code
    with pytest.raises(InvalidInput):
        Tariff(currency="CNY", hourly_minor=1, night_start=time(22)).check()
