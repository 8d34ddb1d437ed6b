"""A barrier opened by hand: an operator at the console opens a lane, giving a reason.

The opening is an event of the lane (``parking.manual_open``, no personal part), so the
lane view and the event explorer show it beside the plate decisions, and the lane's
barrier is told as for any decision (the MQTT command publisher listens to the gates).
"""

from __future__ import annotations

from sitewarden.events.kinds import KINDS
from sitewarden.events.model import Event
from sitewarden.parking.decisions import GateDecision, lane_fields
from sitewarden.parking.gates import ParkingGates
from sitewarden.parking.records import Lane

MANUAL_OPEN = "parking.manual_open"


def open_lane_by_hand(gates: ParkingGates, lane: Lane, actor: str, reason: str) -> GateDecision:
    """Write the opening's event (committed before the barrier hears of it), then tell
    the lane's listeners to open."""
    now = gates.clock()
    event = Event(
        id=gates.ids.new(),
        site_id=lane.site_id,
        zone_id=lane.zone_id,
        device_id=lane.device_id,
        kind=MANUAL_OPEN,
        severity=KINDS[MANUAL_OPEN].severity,
        occurred_at=now,
        received_at=now,
        attributes={"lane": lane.device_id, "operator": actor, "reason": reason},
        personal=None,
        note=None,
    )
    gates.intake.take([event])
    decision = GateDecision(
        **lane_fields(lane),
        open=True,
        reason="manual_open",
        event_id=str(event.id),
        detail=reason,
    )
    for listener in gates.listeners:
        listener(decision)
    return decision
