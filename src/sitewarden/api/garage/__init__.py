"""The garage's routes (parking), one module per concern; ``router`` carries them all."""

from __future__ import annotations

from fastapi import APIRouter

from sitewarden.api.garage import (
    config,
    fee_preview,
    lanes,
    reports,
    revenue_periods,
    sessions,
    vehicle_rules,
    vehicles,
)
from sitewarden.api.garage.common import FRAMES_PATH, GateDesk, build_gates

router = APIRouter()
for part in (lanes, config, vehicles, sessions, reports):
    router.include_router(part.router)
for part in (vehicle_rules, fee_preview, revenue_periods):  # the console's garage set-up
    router.include_router(part.router)

__all__ = ["FRAMES_PATH", "GateDesk", "build_gates", "router"]
