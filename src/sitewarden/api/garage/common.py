"""Parking routes: gate cameras ask for decisions; operators run the garages.

Gate routes take the camera's own device token (or a gateway's of the same site).
Operator routes need parking permissions; plates are shown only with a purpose, in
full or masked by role, and every opening is audited (as for events).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated

import anyio
from fastapi import Depends, Request

from sitewarden.accounts.accounts import Operator
from sitewarden.accounts.roles import Permission
from sitewarden.api.context import AppContext
from sitewarden.api.disclosure import Disclosure, disclosure_for
from sitewarden.api.parking_schemas import DecisionOut
from sitewarden.api.ratelimit import RateLimiter
from sitewarden.errors import InvalidInput, NotFound, PermissionDenied
from sitewarden.events.device_kinds import DeviceKind
from sitewarden.parking.decisions import GateDecision
from sitewarden.parking.gates import ParkingGates
from sitewarden.parking.records import Lane
from sitewarden.privacy.masking import mask_plate
from sitewarden.registry.records import Sender
from sitewarden.vision.plate_formats import PlateMatch, match_plate
from sitewarden.vision.plates import PlateReader

FRAMES_PATH = re.compile(r"^/api/v1/gates/[^/]+/frames$")
READ = Permission.PARKING_READ
MANAGE = Permission.PARKING_MANAGE


FRAME_SLOTS = 2  # frames decoded or read at once; one reads while the next decodes


class GateDesk:
    """The gates and the plate reader of one app.

    The reader reads one frame at a time; ``frame_slots`` keeps the frames waiting for
    it out of the thread pool every other route shares, so a burst of frames at many
    lanes cannot starve text reads, payments or the dashboard of threads.
    ``frame_pixels`` charges each camera its frames' pixels (reading costs time by the
    pixel), so that one camera cannot keep the reader busy while cars wait at others."""

    def __init__(self, gates: ParkingGates, reader: PlateReader, frame_pixels: RateLimiter) -> None:
        self.gates = gates
        self.reader = reader
        self.frame_slots = anyio.CapacityLimiter(FRAME_SLOTS)
        self.frame_pixels = frame_pixels


def build_gates(context: AppContext) -> GateDesk:
    gates = context.runtime.gates
    settings = context.settings
    pixels = RateLimiter(
        settings.frame_pixels_per_s, settings.frame_pixels_burst, "plate camera's frame pixels"
    )
    return GateDesk(gates, PlateReader(), pixels)


def get_desk(request: Request) -> GateDesk:
    desk: GateDesk = request.app.state.parking
    return desk


# A route's ``desk: AppGateDesk``: the app's gates and plate reader, as a dependency.
AppGateDesk = Annotated[GateDesk, Depends(get_desk)]


def _now() -> datetime:
    return datetime.now(UTC)


def _plate_match(desk: GateDesk, site_id: str, text: str) -> PlateMatch:
    match = match_plate(text, desk.gates.formats(site_id))
    if match is None:
        raise InvalidInput(f"{text!r} fits none of this site's plate formats")
    return match


def _subject(context: AppContext, desk: GateDesk, site_id: str, plate: str) -> str:
    compact = _plate_match(desk, site_id, plate).compact
    return context.vault.subject_for(site_id, "plate", "vehicle", compact)


class _Shown:
    """Plates opened for one answer, shown by the caller's role, audited once."""

    def __init__(self, context: AppContext, operator: Operator, purpose: str | None) -> None:
        self.context = context
        self.level = disclosure_for(operator, purpose)
        self.opened: list[str] = []

    def plate(self, site_id: str, subject_id: str) -> tuple[str | None, str]:
        if self.level is Disclosure.NONE:
            return None, "none"
        value = self.context.vault.subject_value(site_id, subject_id)
        if value is None:
            return None, "erased"
        self.opened.append(subject_id)
        shown = value if self.level is Disclosure.FULL else mask_plate(value)
        return shown, self.level.value


# --- gates (devices) ----------------------------------------------------------------------
def _gate_lane(context: AppContext, desk: GateDesk, sender: Sender, device_id: str) -> Lane:
    device = context.store.registry.get_device(sender.site_id, device_id)
    if device is None:
        raise NotFound(f"gate {device_id!r} not found in site {sender.site_id!r}")
    if device_id != sender.device_id and sender.kind is not DeviceKind.GATEWAY:
        raise PermissionDenied(
            f"device {sender.device_id!r} may post only for its own gate, not {device_id!r} "
            "(only gateways relay for other devices)"
        )
    if device.kind is not DeviceKind.PLATE_CAMERA:
        raise PermissionDenied(
            f"device {device_id!r} is a {device.kind.value}, not a plate_camera; "
            "only gate cameras post plate reads and frames"
        )
    return desk.gates.lane_of(sender.site_id, device_id)


def decision_out(
    decision: GateDecision,
    confidence: float | None = None,
    read_ms: float | None = None,
    frames: int | None = None,
) -> DecisionOut:
    plate = decision.plate
    return DecisionOut(
        open=decision.open,
        reason=decision.reason,
        direction=decision.direction,
        site_id=decision.site_id,
        device_id=decision.device_id,
        zone_id=decision.zone_id,
        plate=None if plate is None else mask_plate(plate.display),
        plate_format=None if plate is None else plate.format,
        session_id=decision.session_id,
        fee_minor=decision.fee_minor,
        due_minor=decision.due_minor,
        currency=decision.currency,
        duplicate=decision.duplicate,
        review_id=decision.review_id,
        event_id=decision.event_id,
        detail=decision.detail,
        voided_sessions=list(decision.voided_sessions),
        confidence=confidence,
        read_ms=None if read_ms is None else round(read_ms, 1),
        frames=frames,
    )
