"""What the doors page shows: the latest reader decisions and each door's latest
held-open or forced state, read from the stored ``access.*`` and ``door.*`` events.

Nothing personal leaves here but the person's id (the caller masks or names it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sitewarden.events.model import Event
from sitewarden.events.query import EventQuery
from sitewarden.intake.event_tables import EventTables

DOOR_STATES = {"door.forced": "forced", "door.held_open": "held_open"}


@dataclass(frozen=True, slots=True)
class ReaderDecision:
    event_id: str
    at: datetime
    device_id: str
    zone_id: str | None
    door: str | None
    granted: bool
    reason: str | None
    credential: str | None
    direction: str | None
    person_id: str | None


@dataclass(frozen=True, slots=True)
class DoorState:
    event_id: str
    at: datetime
    device_id: str
    zone_id: str | None
    door: str | None
    state: str  # 'forced' or 'held_open'
    open_seconds: float | None


def _text(event: Event, key: str) -> str | None:
    value = event.attributes.get(key)
    return value if isinstance(value, str) else None


def latest_decisions(
    events: EventTables, site_id: str, since: datetime, limit: int
) -> list[ReaderDecision]:
    """The newest ``limit`` decisions after ``since``, newest first."""
    page = events.query_events(
        EventQuery(site_id=site_id, family="access", since=since, limit=limit)
    )
    return [
        ReaderDecision(
            event_id=str(event.id),
            at=event.occurred_at,
            device_id=event.device_id,
            zone_id=event.zone_id,
            door=_text(event, "door"),
            granted=event.kind == "access.granted",
            reason=_text(event, "reason"),
            credential=_text(event, "credential"),
            direction=_text(event, "direction"),
            person_id=_text(event, "person_ref"),
        )
        for event in page.events
        if event.kind in ("access.granted", "access.denied")
    ]


def door_states(events: EventTables, site_id: str, since: datetime) -> list[DoorState]:
    """Each door's latest held-open or forced event after ``since``, newest first."""
    page = events.query_events(EventQuery(site_id=site_id, family="door", since=since, limit=500))
    seen: set[str] = set()
    states = []
    for event in page.events:
        if event.kind not in DOOR_STATES or event.device_id in seen:
            continue
        seen.add(event.device_id)
        seconds = event.attributes.get("open_seconds")
        states.append(
            DoorState(
                event_id=str(event.id),
                at=event.occurred_at,
                device_id=event.device_id,
                zone_id=event.zone_id,
                door=_text(event, "door"),
                state=DOOR_STATES[event.kind],
                open_seconds=float(seconds) if isinstance(seconds, int | float) else None,
            )
        )
    return states
