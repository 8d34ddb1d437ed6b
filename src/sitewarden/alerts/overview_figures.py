"""The overview dashboard's alarm and device figures for one site, counted in SQL.

Open alarms are read through the partial index of unresolved alerts (``site_id, ...
WHERE state != 'resolved'``), so resolved history does not slow them; alarms per day
are counted over ``alerts_site_time`` (an alarm's last activity is never before its
first), with the site's local midnights worked out here, so daylight-saving days stay
right on both backends. Devices are few per site: their silence is worked out per row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sitewarden.alerts.lifecycle import UNACKNOWLEDGED
from sitewarden.db.database import Database, _dt
from sitewarden.events.model import to_micros

_SHELVED = "(shelved_until IS NOT NULL AND shelved_until > ?)"
_NEEDS_ACK = f"state IN ({', '.join(repr(s) for s in UNACKNOWLEDGED)})"


@dataclass(frozen=True, slots=True)
class OpenAlarmCount:
    """Alarms not resolved, of one severity: all, still to acknowledge (not shelved),
    and shelved now."""

    severity: str
    active: int
    unacknowledged: int
    shelved: int


@dataclass(frozen=True, slots=True)
class OfflineDevice:
    device_id: str
    name: str
    since: datetime | None


def open_alarm_counts(db: Database, site_id: str, now: datetime) -> list[OpenAlarmCount]:
    moment = to_micros(now)
    rows = db.read(
        "SELECT severity, count(*), "
        f"sum(CASE WHEN {_NEEDS_ACK} AND NOT {_SHELVED} THEN 1 ELSE 0 END), "
        f"sum(CASE WHEN {_SHELVED} THEN 1 ELSE 0 END) "
        f"FROM alerts{db.index_hint('alerts_open_condition')} "
        "WHERE site_id = ? AND state != 'resolved' GROUP BY severity",
        (moment, moment, site_id),
    )
    return [OpenAlarmCount(r[0], int(r[1]), int(r[2]), int(r[3])) for r in rows]


def alarms_per_day(
    db: Database, site_id: str, midnights: Sequence[datetime]
) -> dict[tuple[int, str], int]:
    """Alarms opened per local day and severity: ``midnights`` are the days' starts in
    order, the last one the end of the last day; keys are (day index, severity)."""
    if len(midnights) < 2:
        return {}
    bounds = [to_micros(m) for m in midnights]
    days = len(bounds) - 1
    # The latest day first, so each alarm falls in the first day it is not before.
    case = " ".join(f"WHEN first_at >= ? THEN {day}" for day in range(days - 1, -1, -1))
    rows = db.read(
        f"SELECT CASE {case} END, severity, count(*) FROM alerts "
        "WHERE site_id = ? AND last_at >= ? AND first_at >= ? AND first_at < ? "
        "GROUP BY 1, 2",
        (*reversed(bounds[:-1]), site_id, bounds[0], bounds[0], bounds[-1]),
    )
    return {(int(r[0]), r[1]): int(r[2]) for r in rows}


def offline_devices(
    db: Database, site_id: str, now: datetime, offline_after_intervals: float, first: int
) -> tuple[int, list[OfflineDevice]]:
    """How many of the site's devices are offline now, and the first few by name: heard
    from once, then silent past their heartbeat times ``offline_after_intervals``, as
    ``registry.service.device_status`` (the devices page) decides; ``since`` is when
    each was last heard from."""
    silent = "site_id = ? AND last_seen_at IS NOT NULL AND last_seen_at < ? - heartbeat_s * ?"
    params = (site_id, to_micros(now), offline_after_intervals * 1_000_000)
    total = db.read_one(f"SELECT count(*) FROM devices WHERE {silent}", params)
    rows = db.read(
        f"SELECT device_id, name, last_seen_at FROM devices WHERE {silent} "
        "ORDER BY name, device_id LIMIT ?",
        (*params, first),
    )
    return int(total[0]), [OfflineDevice(r[0], r[1], _dt(r[2])) for r in rows]
