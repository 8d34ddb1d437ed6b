"""Parking reports: occupancy per garage now and over time, revenue per local day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sitewarden.errors import InvalidInput
from sitewarden.parking.data import ParkingData

MAX_REPORT_DAYS = 92


@dataclass(frozen=True, slots=True)
class GarageOccupancy:
    zone_id: str
    name: str
    capacity: int | None
    occupied: int
    lanes: int


@dataclass(frozen=True, slots=True)
class OccupancyPoint:
    at: datetime
    occupied: int


@dataclass(frozen=True, slots=True)
class DayRevenue:
    day: date
    currency: str
    amount_minor: int
    payments: int


def occupancy_now(data: ParkingData, site_id: str) -> list[GarageOccupancy]:
    """Every garage (a zone with at least one lane) and its open sessions."""
    lanes: dict[str, int] = {}
    for lane in data.config.list_lanes(site_id):
        lanes[lane.zone_id] = lanes.get(lane.zone_id, 0) + 1
    counts = data.sessions.open_session_counts(site_id)
    zones = {zone.zone_id: zone for zone in data.registry.list_zones(site_id)}
    return [
        GarageOccupancy(
            zone_id,
            zones[zone_id].name if zone_id in zones else zone_id,
            zones[zone_id].capacity if zone_id in zones else None,
            counts.get(zone_id, 0),
            lanes.get(zone_id, 0),
        )
        for zone_id in sorted(set(lanes) | set(counts))
    ]


def _check_range(since: datetime, until: datetime) -> None:
    if since.tzinfo is None or until.tzinfo is None:
        raise InvalidInput("since and until need a timezone offset, e.g. 2026-11-22T00:00:00Z")
    if until <= since:
        raise InvalidInput("until must be after since")
    if until - since > timedelta(days=MAX_REPORT_DAYS):
        raise InvalidInput(f"report at most {MAX_REPORT_DAYS} days at a time")


def occupancy_series(
    data: ParkingData, site_id: str, zone_id: str, since: datetime, until: datetime, step: timedelta
) -> list[OccupancyPoint]:
    """Vehicles inside the garage at each ``step`` from ``since`` (voided stays count until
    the entry that voided them)."""
    _check_range(since, until)
    if step < timedelta(minutes=5):
        raise InvalidInput("step must be at least 5 minutes")
    stays = data.sessions.sessions_overlapping(site_id, zone_id, since, until)
    points: list[OccupancyPoint] = []
    moment = since
    while moment <= until and len(points) < 5000:
        inside = sum(
            1 for entry, exit_ in stays if entry <= moment and (exit_ is None or exit_ > moment)
        )
        points.append(OccupancyPoint(moment, inside))
        moment += step
    return points


def revenue_by_day(
    data: ParkingData, site_id: str, timezone: str, since: datetime, until: datetime
) -> list[DayRevenue]:
    """Payments summed per calendar day of the site's timezone, per currency."""
    _check_range(since, until)
    zone = ZoneInfo(timezone)
    days: dict[tuple[date, str], list[int]] = {}
    for paid_at, amount, currency in data.sessions.payments_between(site_id, since, until):
        key = (paid_at.astimezone(zone).date(), currency)
        total = days.setdefault(key, [0, 0])
        total[0] += amount
        total[1] += 1
    return [DayRevenue(day, cur, total[0], total[1]) for (day, cur), total in sorted(days.items())]
