"""Parking routes, one module per concern; ``router`` carries them all."""

from __future__ import annotations

from fastapi import APIRouter

from sitewarden.api.parking import config, gates, reports, sessions, vehicles
from sitewarden.api.parking.common import FRAMES_PATH, GateDesk, build_gates

router = APIRouter()
for part in (gates, config, vehicles, sessions, reports):
    router.include_router(part.router)

__all__ = ["FRAMES_PATH", "GateDesk", "build_gates", "router"]
