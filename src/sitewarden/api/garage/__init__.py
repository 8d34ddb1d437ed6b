"""The garage's routes (parking), one module per concern; ``router`` carries them all."""

from __future__ import annotations

from fastapi import APIRouter

from sitewarden.api.garage import (
    config,
    lane_view,
    lanes,
    manual_open,
    plate_check,
    reports,
    sessions,
    vehicles,
)
from sitewarden.api.garage.common import FRAMES_PATH, GateDesk, build_gates

router = APIRouter()
for part in (lanes, config, vehicles, sessions, reports, lane_view, manual_open, plate_check):
    router.include_router(part.router)

__all__ = ["FRAMES_PATH", "GateDesk", "build_gates", "router"]
