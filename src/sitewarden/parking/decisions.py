"""A gate decision's two outputs: what the lane is told, and the event that records it.

``GateDecision`` is the answer a lane gets (and the API shows, the plate masked for the
caller); ``gate_event`` builds the event a decision or a review is written as, with the
plate kept in its personal part for the vault to seal. Both the desk (``gates.py``)
and the entry and exit rules (``gate_rules.py``) make them, and the MQTT command
publisher and the API read decisions, so they live apart from either.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sitewarden.events.ids import EventIdFactory
from sitewarden.events.kinds import KINDS
from sitewarden.events.model import Event
from sitewarden.parking.records import Lane
from sitewarden.vision.plate_formats import PlateMatch


@dataclass(frozen=True, slots=True)
class GateDecision:
    """What a lane is told, and what the API shows (the plate masked for the caller)."""

    open: bool
    reason: str
    direction: str
    site_id: str
    device_id: str
    zone_id: str
    plate: PlateMatch | None = None
    session_id: str | None = None
    fee_minor: int | None = None
    due_minor: int | None = None
    currency: str | None = None
    duplicate: bool = False
    review_id: str | None = None
    event_id: str | None = None
    detail: str | None = None
    voided_sessions: tuple[str, ...] = field(default=())

    def as_command(self) -> dict[str, Any]:
        """What the lane's barrier controller is told (no plate: commands carry no
        personal fields)."""
        return {
            "command": "open" if self.open else "deny",
            "reason": self.reason,
            "direction": self.direction,
            "session_id": self.session_id,
            "review_id": self.review_id,
            "event_id": self.event_id,
            "duplicate": self.duplicate,
            "at": datetime.now(UTC).isoformat(),
        }


def lane_fields(lane: Lane) -> dict[str, Any]:
    """The fields of a decision that name its lane."""
    return {
        "direction": lane.direction,
        "site_id": lane.site_id,
        "device_id": lane.device_id,
        "zone_id": lane.zone_id,
    }


def gate_event(
    ids: EventIdFactory,
    kind: str,
    lane: Lane,
    plate: PlateMatch,
    occurred: datetime,
    now: datetime,
    event_id: Any = None,
    **attributes: Any,
) -> Event:
    """The event of a decision at ``lane`` (``event_id``: one taken already, else new)."""
    attributes = {k: v for k, v in attributes.items() if v is not None}
    if kind == "plate.read":
        attributes["direction"] = "in" if lane.direction == "entry" else "out"
    attributes["lane"] = lane.device_id
    return Event(
        id=event_id or ids.new(),
        site_id=lane.site_id,
        zone_id=lane.zone_id,
        device_id=lane.device_id,
        kind=kind,
        severity=KINDS[kind].severity,
        occurred_at=occurred,
        received_at=now,
        attributes=attributes,
        personal={"plate": plate.display},
        note=None,
    )
