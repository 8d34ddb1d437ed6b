"""Opening a lane's barrier by hand from the console, with a reason (audited)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from sitewarden.api.authentication import ParkingReviewer
from sitewarden.api.context import Context
from sitewarden.api.garage.common import AppGateDesk, decision_out
from sitewarden.api.operator_scope import SiteInScope, record_audit
from sitewarden.api.parking_schemas import DecisionOut
from sitewarden.api.schemas import OperatorText
from sitewarden.parking.manual_open import open_lane_by_hand

router = APIRouter(prefix="/api/v1", tags=["parking"])


class ManualOpenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: OperatorText = Field(
        min_length=3,
        max_length=200,
        description="why the barrier opens without a decision (kept in clear: no plates, "
        "ID or phone numbers)",
    )


@router.post(
    "/parking/sites/{site_id}/lanes/{device_id}/open",
    response_model=DecisionOut,
    summary="Open a lane's barrier by hand, with a reason (an event of the lane; audited)",
)
def open_lane(
    site_id: str,
    device_id: str,
    body: ManualOpenIn,
    request: Request,
    operator: ParkingReviewer,
    context: Context,
    site: SiteInScope,
    desk: AppGateDesk,
) -> DecisionOut:
    """For the guard who must let a vehicle through that no decision opened for (an
    ambulance, a broken reader); the reason is stored with the event and the audit."""
    lane = desk.gates.lane_of(site_id, device_id)
    reason = body.reason.strip()
    decision = open_lane_by_hand(desk.gates, lane, operator.username, reason)
    record_audit(
        context, request, operator, "parking.lane.manual_open", site_id, [device_id], reason
    )
    return decision_out(decision)
