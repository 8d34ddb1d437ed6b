"""The garage's routes (parking), one module per concern; ``router`` carries them all."""

from __future__ import annotations

from fastapi import APIRouter

from sitewarden.api.garage import (
    config,
    fee_preview,
    lane_frames,
    lane_view,
    lanes,
    manual_open,
    plate_check,
    reports,
    revenue_periods,
    review_frames,
    sessions,
    vehicle_rules,
    vehicles,
)
from sitewarden.api.garage.common import FRAMES_PATH, GateDesk, build_gates

router = APIRouter()
for part in (lanes, config, vehicles, sessions, reports):
    router.include_router(part.router)
# The console's garage: the lane view and manual open, then the set-up pages' routes.
for part in (lane_view, manual_open, plate_check, vehicle_rules, fee_preview, revenue_periods):
    router.include_router(part.router)
router.include_router(review_frames.router)  # the frame kept with an unsure read
router.include_router(lane_frames.router)  # each lane's last frame

__all__ = ["FRAMES_PATH", "GateDesk", "build_gates", "router"]
