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
    vehicle_rule_files,
    vehicle_rules,
    vehicles,
)
from sitewarden.api.garage.common import FRAMES_PATH, GateDesk, build_gates

router = APIRouter()
for part in (lanes, config, vehicles, sessions, reports):
    router.include_router(part.router)
# The console's garage: the lane view, manual open and kept frames, then the set-up pages'.
for part in (
    lane_view,
    manual_open,
    plate_check,
    review_frames,
    lane_frames,
    vehicle_rules,
    vehicle_rule_files,
    fee_preview,
    revenue_periods,
):
    router.include_router(part.router)

__all__ = ["FRAMES_PATH", "GateDesk", "build_gates", "router"]
