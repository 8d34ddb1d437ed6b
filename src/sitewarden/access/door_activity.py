"""Door activity at a glance: access decisions granted and denied in a span, and the
latest denials, read from the stored ``access.*`` events over ``events_family_time``
(site, family, time), so the counts stay quick with millions of other events.

Only what is not personal leaves here: the reader, its zone, the door and the reason;
the person stays in the sealed part of the event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import orjson

from sitewarden.db.database import Database, _must_dt
from sitewarden.events.model import to_micros


@dataclass(frozen=True, slots=True)
class Denial:
    at: datetime
    device_id: str
    zone_id: str | None
    door: str | None
    reason: str | None


@dataclass(frozen=True, slots=True)
class DoorActivity:
    granted: int
    denied: int
    last_denials: list[Denial]


def door_activity(
    db: Database, site_id: str, since: datetime, until: datetime, last: int
) -> DoorActivity:
    span = (site_id, to_micros(since), to_micros(until))
    counts = dict(
        db.read(
            "SELECT kind, count(*) FROM events WHERE site_id = ? AND family = 'access' "
            "AND occurred_at >= ? AND occurred_at < ? GROUP BY kind",
            span,
        )
    )
    rows = db.read(
        "SELECT occurred_at, device_id, zone_id, attributes FROM events "
        "WHERE site_id = ? AND family = 'access' AND occurred_at >= ? AND occurred_at < ? "
        "AND kind = 'access.denied' ORDER BY occurred_at DESC LIMIT ?",
        (*span, last),
    )
    denials = []
    for at, device_id, zone_id, attributes in rows:
        found = orjson.loads(attributes)
        door, reason = found.get("door"), found.get("reason")
        denials.append(
            Denial(
                _must_dt(at),
                device_id,
                zone_id,
                door if isinstance(door, str) else None,
                reason if isinstance(reason, str) else None,
            )
        )
    return DoorActivity(
        int(counts.get("access.granted", 0)), int(counts.get("access.denied", 0)), denials
    )
