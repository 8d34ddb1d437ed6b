"""The lane view: per gate, its last decisions (the read, its confidence, the decision
and why), the barrier's state as those decisions left it, and the reads waiting for a
person. Plates open only with a purpose, by role (masked for operators), audited once
per answer that opened any."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from sitewarden.api.authentication import ParkingReader
from sitewarden.api.context import AppContext, Context
from sitewarden.api.garage.common import _now, _Shown
from sitewarden.api.operator_scope import OptionalPurpose, SiteInScope, record_audit
from sitewarden.events.model import Event
from sitewarden.events.query import TELEMETRY_KINDS, EventQuery
from sitewarden.parking.manual_open import MANUAL_OPEN
from sitewarden.parking.records import Lane

router = APIRouter(prefix="/api/v1", tags=["parking"])

GateState = Literal["open", "closed", "held"]
OPENED = frozenset({"parking.entry", "parking.exit", MANUAL_OPEN})
REFUSED = frozenset({"parking.denied", "parking.unpaid_exit"})
NOT_DECISIONS = TELEMETRY_KINDS | {"equipment.fault", "camera.tamper"}
# No barrier reports its position yet, so the state is read from the decisions: a
# barrier that opened is taken as open for a vehicle's passage, a refused vehicle as
# waiting at a shut barrier for a while, then the lane counts as closed again.
OPEN_FOR = timedelta(seconds=20)
HELD_FOR = timedelta(minutes=5)
LOOK_BACK = timedelta(days=7)


class LaneDecisionOut(BaseModel):
    event_id: str
    kind: str
    at: datetime
    reason: str | None
    confidence: float | None
    frames: int | None = Field(
        description="frames of the car an unsure read was settled by (2 or more), else null"
    )
    session_id: str | None
    fee_minor: int | None
    currency: str | None
    operator: str | None  # who opened by hand
    subject_id: str | None  # the vehicle's pseudonym, as in sessions
    plate: str | None
    disclosure: str


class LaneStatusOut(BaseModel):
    site_id: str
    device_id: str
    name: str
    zone_id: str
    direction: str
    gate: GateState
    pending_reviews: int
    decisions: list[LaneDecisionOut]


def gate_state(latest: Event | None, pending_reviews: int, now: datetime) -> GateState:
    """The barrier as the lane's last decision left it (see OPEN_FOR, HELD_FOR)."""
    if latest is None:
        return "held" if pending_reviews else "closed"
    age = now - latest.occurred_at
    if latest.kind in OPENED:
        return "open" if age <= OPEN_FOR else "closed"
    if pending_reviews or (latest.kind in REFUSED and age <= HELD_FOR):
        return "held"
    return "closed"


def decision_out(event: Event, plate: tuple[str | None, str]) -> LaneDecisionOut:
    attributes = event.attributes
    return LaneDecisionOut(
        event_id=str(event.id),
        kind=event.kind,
        at=event.occurred_at,
        reason=attributes.get("reason"),
        confidence=attributes.get("confidence"),
        frames=attributes.get("frames"),
        session_id=attributes.get("session_id"),
        fee_minor=attributes.get("fee_minor"),
        currency=attributes.get("currency"),
        operator=attributes.get("operator"),
        subject_id=event.subject_id,
        plate=plate[0],
        disclosure=plate[1],
    )


@router.get(
    "/parking/sites/{site_id}/lanes/status",
    response_model=list[LaneStatusOut],
    summary="Each lane's last decisions and its barrier's state (plates with a purpose; audited)",
)
def lane_status(
    site_id: str,
    request: Request,
    operator: ParkingReader,
    context: Context,
    site: SiteInScope,
    purpose: OptionalPurpose = None,
    decisions: Annotated[int, Query(ge=1, le=20)] = 5,
) -> list[LaneStatusOut]:
    now = _now()
    shown = _Shown(context, operator, purpose)
    pending: dict[str, int] = {}
    for item in context.store.parking_reviews.list_reviews(site_id, "pending", 1000):
        pending[item.device_id] = pending.get(item.device_id, 0) + 1
    out = [
        _lane_status(context, shown, lane, pending.get(lane.device_id, 0), decisions, now)
        for lane in context.store.parking_config.list_lanes(site_id)
    ]
    if shown.opened:
        targets = sorted(set(shown.opened))
        record_audit(context, request, operator, "parking.lanes.read", site_id, targets, purpose)
    return out


def _lane_status(
    context: AppContext, shown: _Shown, lane: Lane, pending: int, limit: int, now: datetime
) -> LaneStatusOut:
    device = context.store.registry.get_device(lane.site_id, lane.device_id)
    query = EventQuery(
        site_id=lane.site_id,
        device_id=lane.device_id,
        since=now - LOOK_BACK,
        exclude_kinds=NOT_DECISIONS,
        limit=limit,
    )
    events = context.store.events.query_events(query).events
    return LaneStatusOut(
        site_id=lane.site_id,
        device_id=lane.device_id,
        name=device.name if device is not None else lane.device_id,
        zone_id=lane.zone_id,
        direction=lane.direction,
        gate=gate_state(events[0] if events else None, pending, now),
        pending_reviews=pending,
        decisions=[decision_out(e, _plate_of(shown, e)) for e in events],
    )


def _plate_of(shown: _Shown, event: Event) -> tuple[str | None, str]:
    if event.subject_id is None:
        return None, "none"
    return shown.plate(event.site_id, event.subject_id)
