"""Two weeks of staff attendance for a fresh demo, so the attendance page has figures.

The live readers only give today's few minutes; an HR clerk looks at hours, late days
and missing punches over weeks. On the last :data:`HISTORY_DAYS` days before today
(site calendar) each staff member works Monday to Friday, a few of them on Saturday
too: in around 08:00-09:00 (now and then late, up to 09:30) and out 17:00-19:00, at
the site's readers; a few shifts have no 'out'. The readers post these as
``access.granted`` events through the events API, as they would decisions they made
locally while the server was away, one batch each.

Only once: a start that finds an access decision from before today (a former start
posted its history, or the site has been running) adds nothing.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sitewarden.demo.admin_api import AdminApi
from sitewarden.demo.device_calls import DeviceCalls
from sitewarden.demo.site import DEVICES, SITE_ID, SITE_TIMEZONE, Behaviour, DemoDevice
from sitewarden.events.device_kinds import DeviceKind

HISTORY_DAYS = 13  # with today's own passes, two weeks
SATURDAY_STAFF = 3
MISSING_OUTS = 3  # shifts in the whole history whose holder forgot to badge out
LATE_SHARE = 0.1  # of shifts that begin after 09:00


@dataclass(frozen=True, slots=True)
class StaffPass:
    """One staff member's granted badge pass at a reader, in the site's time."""

    person_id: str
    reader: DemoDevice
    at: datetime
    direction: str  # 'in' or 'out'

    def event(self) -> dict[str, Any]:
        """The pass as the reader reports it to ``POST /api/v1/events``."""
        return {
            "kind": "access.granted",
            "time": self.at.astimezone(UTC).isoformat(),
            "attributes": {
                "credential": "badge",
                "direction": self.direction,
                "door": self.reader.watches or self.reader.device_id,
                "person_ref": self.person_id,
            },
        }


def site_today() -> date:
    """Today on the site's calendar."""
    return datetime.now(ZoneInfo(SITE_TIMEZONE)).date()


def staff_history(
    staff: Sequence[str], today: date, rng: random.Random, days: int = HISTORY_DAYS
) -> list[StaffPass]:
    """The passes of ``staff`` on the ``days`` days before ``today``, oldest first."""
    zone = ZoneInfo(SITE_TIMEZONE)
    readers = [
        device
        for device in DEVICES
        if device.kind is DeviceKind.ACCESS_READER and device.behaviour is Behaviour.NORMAL
    ]
    # Most people come through the gates; each has a usual arrival, give or take.
    weights = [3 if "gate" in reader.zone_id else 1 for reader in readers]
    usual = {person: rng.randint(0, 45) for person in staff}  # minutes after 08:00
    shifts: list[tuple[StaffPass, StaffPass]] = []
    for back in range(days, 0, -1):
        day = today - timedelta(days=back)
        if day.weekday() == 6:
            continue
        working = staff if day.weekday() < 5 else rng.sample(staff, min(SATURDAY_STAFF, len(staff)))
        start = datetime.combine(day, time(8), zone)
        for person in working:
            late = rng.random() < LATE_SHARE
            arrives = rng.randint(61, 90) if late else max(0, usual[person] + rng.randint(-8, 12))
            leaves = rng.randint(9 * 60, 11 * 60)  # 17:00 to 19:00
            came_in, went_out = rng.choices(readers, weights, k=2)
            shifts.append(
                (
                    StaffPass(person, came_in, _moment(start, arrives, rng), "in"),
                    StaffPass(person, went_out, _moment(start, leaves, rng), "out"),
                )
            )
    forgotten = set(rng.sample(range(len(shifts)), min(MISSING_OUTS, len(shifts))))
    passes = [
        badge
        for index, (came, left) in enumerate(shifts)
        for badge in ((came,) if index in forgotten else (came, left))
    ]
    return sorted(passes, key=lambda badge: badge.at)


def has_history(admin: AdminApi, today: date) -> bool:
    """Whether the site already has an access decision from before ``today``."""
    midnight = datetime.combine(today, time(0), ZoneInfo(SITE_TIMEZONE))
    page = admin.get(
        "/api/v1/events",
        params={"site": SITE_ID, "kind": "access", "until": midnight.isoformat(), "limit": 1},
    )
    return bool(page["events"])


def post_history(calls: DeviceCalls, passes: Sequence[StaffPass]) -> int:
    """Each reader posts its passes in one batch; how many events the server accepted."""
    by_reader: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for badge in passes:
        by_reader[badge.reader.device_id].append(badge.event())
    accepted = 0
    for device_id, events in sorted(by_reader.items()):
        answer = calls.events(device_id, events)
        accepted += 0 if answer is None else len(answer["accepted"])
    return accepted


def _moment(start: datetime, minutes: int, rng: random.Random) -> datetime:
    return start + timedelta(minutes=minutes, seconds=rng.randint(0, 59))
