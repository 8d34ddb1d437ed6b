"""The garage's routes (parking), one module per concern; ``router`` carries them all."""

from __future__ import annotations

from fastapi import APIRouter

from sitewarden.api.garage import config, lanes, reports, sessions, vehicles
from sitewarden.api.garage.common import FRAMES_PATH, GateDesk, build_gates

router = APIRouter()
for part in (lanes, config, vehicles, sessions, reports):
    router.include_router(part.router)

__all__ = ["FRAMES_PATH", "GateDesk", "build_gates", "router"]
