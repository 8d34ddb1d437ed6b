"""The overview dashboard's figures for one site in one answer: open alarms by priority,
alarms per day, devices offline, occupancy now, parking and doors today.

Each part is there only if the caller's role may read it (alarms: ``alerts:read``,
devices: ``registry:read``, parking: ``parking:read``, doors: ``access:read``); the
others are left out of the answer, not sent empty. Every figure is counted in SQL
(see ``alerts/overview_figures.py``, ``access/door_activity.py``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from sitewarden.access.door_activity import door_activity
from sitewarden.accounts.roles import Permission
from sitewarden.alerts import overview_figures
from sitewarden.api.authentication import EventReader
from sitewarden.api.context import Context
from sitewarden.api.operator_scope import SiteInScope
from sitewarden.events.kinds import Severity
from sitewarden.parking import reports

router = APIRouter(prefix="/api/v1", tags=["overview"])

ALARM_DAYS = 14
FIRST_OFFLINE = 5
LAST_DENIALS = 5
# An occupancy count older than this is no longer "now".
OCCUPANCY_FRESH = timedelta(hours=1)
NO_ZONE = "-"  # counts of devices without a zone (occupancy/aggregator.py)
PRIORITIES = [Severity.CRITICAL, Severity.MAJOR, Severity.MINOR, Severity.INFO]


class PriorityCount(BaseModel):
    severity: Severity
    active: int
    unacknowledged: int
    shelved: int


class DayCount(BaseModel):
    day: date
    critical: int
    major: int
    minor: int
    info: int


class AlarmsOut(BaseModel):
    by_priority: list[PriorityCount]
    per_day: list[DayCount]


class OfflineDeviceOut(BaseModel):
    device_id: str
    name: str
    since: datetime | None


class DevicesOut(BaseModel):
    offline: int
    first_offline: list[OfflineDeviceOut]


class ZoneOccupancyOut(BaseModel):
    zone_id: str
    name: str
    capacity: int | None
    source: str
    count: int
    at: datetime


class GarageOut(BaseModel):
    zone_id: str
    name: str
    capacity: int | None
    occupied: int


class RevenueOut(BaseModel):
    currency: str
    amount_minor: int
    payments: int


class ParkingOut(BaseModel):
    garages: list[GarageOut]
    entries_today: int
    exits_today: int
    revenue_today: list[RevenueOut]


class DenialOut(BaseModel):
    at: datetime
    device_id: str
    zone_id: str | None
    door: str | None
    reason: str | None


class DoorsOut(BaseModel):
    granted_today: int
    denied_today: int
    last_denials: list[DenialOut]


class OverviewOut(BaseModel):
    site_id: str
    name: str
    timezone: str
    at: datetime
    today_since: datetime
    zone_names: dict[str, str]
    occupancy: list[ZoneOccupancyOut]
    alarms: AlarmsOut | None = None
    devices: DevicesOut | None = None
    parking: ParkingOut | None = None
    doors: DoorsOut | None = None


def local_midnights(now: datetime, timezone: str, days: int) -> list[datetime]:
    """The starts of the last ``days`` local days (today last), then tomorrow's start."""
    zone = ZoneInfo(timezone)
    today = now.astimezone(zone).date()
    return [
        datetime.combine(today - timedelta(days=back), time(0), tzinfo=zone).astimezone(UTC)
        for back in range(days - 1, -2, -1)
    ]


@router.get(
    "/sites/{site_id}/overview",
    response_model=OverviewOut,
    summary="The site at a glance: alarms, devices, occupancy, parking and doors",
)
def overview(
    site_id: str, operator: EventReader, context: Context, site: SiteInScope
) -> JSONResponse:
    store, now = context.store, datetime.now(UTC)
    midnights = local_midnights(now, site.timezone, ALARM_DAYS)
    today, tomorrow = midnights[-2], midnights[-1]
    zones = {zone.zone_id: zone for zone in store.registry.list_zones(site_id)}
    context.occupancy.flush()  # the interval in progress counts as now
    answer = OverviewOut(
        site_id=site.site_id,
        name=site.name,
        timezone=site.timezone,
        at=now,
        today_since=today,
        zone_names={zone_id: zone.name for zone_id, zone in zones.items()},
        occupancy=[
            ZoneOccupancyOut(
                zone_id=zone_id,
                name=zones[zone_id].name if zone_id in zones else zone_id,
                capacity=zones[zone_id].capacity if zone_id in zones else None,
                source=source,
                count=count,
                at=at,
            )
            for zone_id, source, at, count in store.occupancy.latest(
                site_id, [*zones, NO_ZONE], now - OCCUPANCY_FRESH
            )
        ],
    )
    if operator.may(Permission.ALERTS_READ):
        counts = {c.severity: c for c in overview_figures.open_alarm_counts(store.db, site_id, now)}
        per_day = overview_figures.alarms_per_day(store.db, site_id, midnights)
        answer.alarms = AlarmsOut(
            by_priority=[
                PriorityCount(
                    severity=severity,
                    active=counts[severity].active if severity in counts else 0,
                    unacknowledged=counts[severity].unacknowledged if severity in counts else 0,
                    shelved=counts[severity].shelved if severity in counts else 0,
                )
                for severity in PRIORITIES
            ],
            per_day=[
                DayCount(
                    day=start.astimezone(ZoneInfo(site.timezone)).date(),
                    **{s.value: per_day.get((index, s.value), 0) for s in PRIORITIES},
                )
                for index, start in enumerate(midnights[:-1])
            ],
        )
    if operator.may(Permission.REGISTRY_READ):
        total, first = overview_figures.offline_devices(
            store.db, site_id, now, context.settings.offline_after_intervals, FIRST_OFFLINE
        )
        answer.devices = DevicesOut(
            offline=total,
            first_offline=[
                OfflineDeviceOut(device_id=d.device_id, name=d.name, since=d.since) for d in first
            ],
        )
    if operator.may(Permission.PARKING_READ):
        data = store.parking_data()
        entries, exits = data.sessions.movements_between(site_id, today, tomorrow)
        answer.parking = ParkingOut(
            garages=[
                GarageOut(zone_id=g.zone_id, name=g.name, capacity=g.capacity, occupied=g.occupied)
                for g in reports.occupancy_now(data, site_id)
            ],
            entries_today=entries,
            exits_today=exits,
            revenue_today=[
                RevenueOut(currency=r.currency, amount_minor=r.amount_minor, payments=r.payments)
                for r in reports.revenue_by_day(data, site_id, site.timezone, today, tomorrow)
            ],
        )
    if operator.may(Permission.ACCESS_READ):
        doors = door_activity(store.db, site_id, today, tomorrow, LAST_DENIALS)
        answer.doors = DoorsOut(
            granted_today=doors.granted,
            denied_today=doors.denied,
            last_denials=[
                DenialOut(
                    at=d.at, device_id=d.device_id, zone_id=d.zone_id, door=d.door, reason=d.reason
                )
                for d in doors.last_denials
            ],
        )
    # The parts the role may not read are left out, not sent as null.
    left_out = {part for part in _PARTS if getattr(answer, part) is None}
    return JSONResponse(answer.model_dump(mode="json", exclude=left_out))


_PARTS = ("alarms", "devices", "parking", "doors")
