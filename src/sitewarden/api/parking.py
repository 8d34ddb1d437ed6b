"""Parking routes: gate cameras ask for decisions; operators run the garages.

Gate routes take the camera's own device token (or a gateway's of the same site).
Operator routes need parking permissions; plates are shown only with a purpose, in
full or masked by role, and every opening is audited (as for events).
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from sitewarden.api.auth import device_only, requires
from sitewarden.api.context import AppContext, get_context
from sitewarden.api.disclosure import Disclosure, disclosure_for
from sitewarden.api.parking_schemas import (
    CustomFormatIn,
    DecisionOut,
    GarageOccupancyOut,
    LaneIn,
    LaneOut,
    ListEntryIn,
    ListEntryOut,
    OccupancyPointOut,
    PaymentIn,
    PaymentOut,
    PermitIn,
    PermitOut,
    PlateSettingsIn,
    PlateSettingsOut,
    ReadIn,
    RevenueDayOut,
    ReviewOut,
    ReviewResolveIn,
    ReviewResolveOut,
    SessionLookupIn,
    SessionOut,
    TariffIn,
    TariffOut,
    VehicleIn,
    VehicleOut,
)
from sitewarden.auth.accounts import Operator
from sitewarden.auth.roles import Permission
from sitewarden.errors import InvalidInput, NotFound, PermissionDenied
from sitewarden.events.validation import Sender
from sitewarden.parking import reports
from sitewarden.parking.formats import (
    BUILT_IN,
    PlateMatch,
    check_pattern,
    match_plate,
    resolve_formats,
)
from sitewarden.parking.gates import GateDecision, ParkingGates, settle_exit
from sitewarden.parking.records import (
    GarageTariff,
    Lane,
    ListEntry,
    ParkingSession,
    Payment,
    Permit,
    PlateSettings,
    ReviewItem,
    Vehicle,
)
from sitewarden.parking.storage import SessionQuery
from sitewarden.parking.tariffs import Tariff
from sitewarden.privacy.masking import mask_plate
from sitewarden.registry.device_kinds import DeviceKind
from sitewarden.registry.service import require_device, require_site, require_zone
from sitewarden.store.records import Site
from sitewarden.vision.plates import PlateReader, decode_frame

router = APIRouter(prefix="/api/v1", tags=["parking"])
FRAMES_PATH = re.compile(r"^/api/v1/gates/[^/]+/frames$")
READ = Permission.PARKING_READ
MANAGE = Permission.PARKING_MANAGE
PurposeQuery = Annotated[
    str | None, Query(min_length=3, max_length=200, description="why you need plates (audited)")
]


class GateDesk:
    """The gates and the plate reader of one app."""

    def __init__(self, gates: ParkingGates, reader: PlateReader) -> None:
        self.gates = gates
        self.reader = reader


def build_gates(context: AppContext) -> GateDesk:
    gates = ParkingGates(context.store, context.vault, context.writer, context.ids)
    return GateDesk(gates, PlateReader())


def get_desk(request: Request) -> GateDesk:
    desk: GateDesk = request.app.state.parking
    return desk


def _now() -> datetime:
    return datetime.now(UTC)


def _request_id(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


def _site(context: AppContext, operator: Operator, site_id: str) -> Site:
    if not operator.sees_site(site_id):
        raise NotFound(f"site {site_id!r} not found")
    return require_site(context.store, site_id)


def _audit(
    context: AppContext,
    request: Request,
    operator: Operator,
    action: str,
    site_id: str,
    targets: list[str],
    purpose: str | None,
) -> None:
    context.audit.record(
        actor=operator.username,
        role=operator.role.value,
        action=action,
        targets=targets,
        site_id=site_id,
        purpose=purpose,
        request_id=_request_id(request),
    )


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
    device = context.store.get_device(sender.site_id, device_id)
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
    decision: GateDecision, confidence: float | None = None, read_ms: float | None = None
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
    )


@router.post(
    "/gates/{device_id}/reads",
    response_model=DecisionOut,
    summary="A plate a smart camera read: open the gate or not (devices only)",
)
def post_read(
    device_id: str,
    body: ReadIn,
    sender: Sender = Depends(device_only),
    context: AppContext = Depends(get_context),
    desk: GateDesk = Depends(get_desk),
) -> DecisionOut:
    lane = _gate_lane(context, desk, sender, device_id)
    if body.time is not None and body.time.tzinfo is None:
        raise InvalidInput("time needs a timezone offset, e.g. 2026-11-22T08:00:00Z")
    decision = desk.gates.decide_read(lane, body.plate, body.confidence, body.time)
    return decision_out(decision, body.confidence)


@router.post(
    "/gates/{device_id}/frames",
    response_model=DecisionOut,
    summary="A gate camera's frame (JPEG or PNG, up to 8 MB): read the plate and decide",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
                "image/png": {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
)
async def post_frame(
    device_id: str,
    request: Request,
    sender: Sender = Depends(device_only),
    context: AppContext = Depends(get_context),
    desk: GateDesk = Depends(get_desk),
) -> DecisionOut:
    """The frame is read in memory and dropped; it is never stored."""
    lane = await run_in_threadpool(_gate_lane, context, desk, sender, device_id)
    body = await request.body()
    image = await run_in_threadpool(decode_frame, body, request.headers.get("content-type", ""))
    formats = await run_in_threadpool(desk.gates.formats, lane.site_id)
    reading = await run_in_threadpool(desk.reader.read_plate, image, formats)
    if reading.plate is None:
        decision = GateDecision(
            open=False,
            reason="no_plate",
            direction=lane.direction,
            site_id=lane.site_id,
            device_id=lane.device_id,
            zone_id=lane.zone_id,
            detail=reading.reason,
        )
        return decision_out(decision, None, reading.elapsed_ms)
    candidate = reading.plate
    settings = await run_in_threadpool(desk.gates.plate_settings, lane.site_id)
    if candidate.confidence < settings.review_below:
        decision = await run_in_threadpool(
            desk.gates.queue_review, lane, candidate.match, candidate.confidence, "low_confidence"
        )
    else:
        decision = await run_in_threadpool(desk.gates.decide_plate, lane, candidate.match)
    return decision_out(decision, round(candidate.confidence, 4), reading.elapsed_ms)


# --- lanes, plate settings, tariffs ----------------------------------------------------------
def lane_out(lane: Lane) -> LaneOut:
    return LaneOut(
        site_id=lane.site_id,
        device_id=lane.device_id,
        zone_id=lane.zone_id,
        direction=lane.direction,
        created_at=lane.created_at,
    )


@router.put("/parking/sites/{site_id}/lanes/{device_id}", response_model=LaneOut)
def put_lane(
    site_id: str,
    device_id: str,
    body: LaneIn,
    operator: Operator = requires(MANAGE),
    context: AppContext = Depends(get_context),
) -> LaneOut:
    """Make a plate camera an entry or exit lane of the garage (zone) it stands in."""
    _site(context, operator, site_id)
    device = require_device(context.store, site_id, device_id)
    if device.kind is not DeviceKind.PLATE_CAMERA:
        raise InvalidInput(f"device {device_id!r} is a {device.kind.value}, not a plate_camera")
    zone_id = body.zone_id or device.zone_id
    if zone_id is None:
        raise InvalidInput(f"device {device_id!r} has no zone; give zone_id (the garage)")
    require_zone(context.store, site_id, zone_id)
    lane = Lane(site_id, device_id, zone_id, body.direction, _now())
    context.store.put_lane(lane)
    return lane_out(lane)


@router.get("/parking/sites/{site_id}/lanes", response_model=list[LaneOut])
def list_lanes(
    site_id: str, operator: Operator = requires(READ), context: AppContext = Depends(get_context)
) -> list[LaneOut]:
    _site(context, operator, site_id)
    return [lane_out(lane) for lane in context.store.list_lanes(site_id)]


@router.delete("/parking/sites/{site_id}/lanes/{device_id}", status_code=204)
def delete_lane(
    site_id: str,
    device_id: str,
    operator: Operator = requires(MANAGE),
    context: AppContext = Depends(get_context),
) -> Response:
    _site(context, operator, site_id)
    if not context.store.delete_lane(site_id, device_id):
        raise NotFound(f"lane {device_id!r} not found in site {site_id!r}")
    return Response(status_code=204)


def settings_out(settings: PlateSettings) -> PlateSettingsOut:
    return PlateSettingsOut(
        site_id=settings.site_id,
        formats=list(settings.formats),
        custom_formats=[
            CustomFormatIn(name=f.name, pattern=f.pattern) for f in settings.custom_formats
        ],
        review_below=settings.review_below,
        duplicate_window_s=settings.duplicate_window_s,
        built_in={name: f"{f.pattern}: {f.description}" for name, f in BUILT_IN.items()},
    )


@router.get("/parking/sites/{site_id}/plate-settings", response_model=PlateSettingsOut)
def get_plate_settings(
    site_id: str,
    operator: Operator = requires(READ),
    context: AppContext = Depends(get_context),
    desk: GateDesk = Depends(get_desk),
) -> PlateSettingsOut:
    _site(context, operator, site_id)
    return settings_out(desk.gates.plate_settings(site_id))


@router.put("/parking/sites/{site_id}/plate-settings", response_model=PlateSettingsOut)
def put_plate_settings(
    site_id: str,
    body: PlateSettingsIn,
    operator: Operator = requires(MANAGE),
    context: AppContext = Depends(get_context),
) -> PlateSettingsOut:
    """Which plate formats this site reads, in order; when a read needs a person."""
    _site(context, operator, site_id)
    custom = tuple(check_pattern(f.name, f.pattern) for f in body.custom_formats)
    settings = PlateSettings(
        site_id, tuple(body.formats), custom, body.review_below, body.duplicate_window_s
    )
    resolve_formats(settings.formats, settings.custom_formats)  # refuses unknown names
    context.store.put_plate_settings(settings)
    return settings_out(settings)


def tariff_out(stored: GarageTariff) -> TariffOut:
    t = stored.tariff
    return TariffOut(
        site_id=stored.site_id,
        zone_id=stored.zone_id,
        updated_at=stored.updated_at,
        updated_by=stored.updated_by,
        currency=t.currency,
        hourly_minor=t.hourly_minor,
        free_minutes=t.free_minutes,
        night_hourly_minor=t.night_hourly_minor,
        night_start=t.night_start,
        night_end=t.night_end,
        daily_cap_minor=t.daily_cap_minor,
        lost_ticket_minor=t.lost_ticket_minor,
        exit_grace_minutes=t.exit_grace_minutes,
    )


@router.put("/parking/sites/{site_id}/garages/{zone_id}/tariff", response_model=TariffOut)
def put_tariff(
    site_id: str,
    zone_id: str,
    body: TariffIn,
    operator: Operator = requires(MANAGE),
    context: AppContext = Depends(get_context),
) -> TariffOut:
    _site(context, operator, site_id)
    require_zone(context.store, site_id, zone_id)
    tariff = Tariff(**body.model_dump()).check()
    stored = GarageTariff(site_id, zone_id, tariff, _now(), operator.username)
    context.store.put_tariff(stored)
    return tariff_out(stored)


@router.get("/parking/sites/{site_id}/garages/{zone_id}/tariff", response_model=TariffOut)
def get_tariff(
    site_id: str,
    zone_id: str,
    operator: Operator = requires(READ),
    context: AppContext = Depends(get_context),
) -> TariffOut:
    _site(context, operator, site_id)
    stored = context.store.get_tariff(site_id, zone_id)
    if stored is None:
        raise NotFound(f"garage {zone_id!r} has no tariff (parking there is free)")
    return tariff_out(stored)


# --- vehicles, lists, permits -----------------------------------------------------------------
def vehicle_out(vehicle: Vehicle, plate: str | None, disclosure: str) -> VehicleOut:
    return VehicleOut(
        site_id=vehicle.site_id,
        subject_id=vehicle.subject_id,
        plate=plate,
        disclosure=disclosure,
        owner_ref=vehicle.owner_ref,
        note=vehicle.note,
        created_at=vehicle.created_at,
        created_by=vehicle.created_by,
    )


@router.post("/parking/sites/{site_id}/vehicles", response_model=VehicleOut, status_code=201)
def register_vehicle(
    site_id: str,
    body: VehicleIn,
    operator: Operator = requires(MANAGE),
    context: AppContext = Depends(get_context),
    desk: GateDesk = Depends(get_desk),
) -> VehicleOut:
    """The plate is kept sealed in the vehicle's vault subject; rows carry the subject id."""
    _site(context, operator, site_id)
    match = _plate_match(desk, site_id, body.plate)
    subject = context.vault.subject_for(site_id, "plate", "vehicle", match.compact)
    vehicle = Vehicle(site_id, subject, body.owner_ref, body.note, _now(), operator.username)
    context.store.put_vehicle(vehicle)
    return vehicle_out(vehicle, mask_plate(match.display), "masked")


@router.get("/parking/sites/{site_id}/vehicles", response_model=list[VehicleOut])
def list_vehicles(
    site_id: str,
    request: Request,
    operator: Operator = requires(READ),
    context: AppContext = Depends(get_context),
    purpose: PurposeQuery = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[VehicleOut]:
    _site(context, operator, site_id)
    shown = _Shown(context, operator, purpose)
    out = [
        vehicle_out(v, *shown.plate(site_id, v.subject_id))
        for v in context.store.list_vehicles(site_id, limit)
    ]
    if shown.opened:
        _audit(context, request, operator, "parking.vehicles.read", site_id, shown.opened, purpose)
    return out


@router.delete("/parking/sites/{site_id}/vehicles/{subject_id}", status_code=204)
def delete_vehicle(
    site_id: str,
    subject_id: str,
    operator: Operator = requires(MANAGE),
    context: AppContext = Depends(get_context),
) -> Response:
    _site(context, operator, site_id)
    if not context.store.delete_vehicle(site_id, subject_id):
        raise NotFound(f"vehicle {subject_id!r} not found")
    return Response(status_code=204)


def entry_out(entry: ListEntry) -> ListEntryOut:
    return ListEntryOut(
        site_id=entry.site_id,
        entry_id=entry.entry_id,
        subject_id=entry.subject_id,
        list=entry.list_name,
        zone_id=entry.zone_id,
        reason=entry.reason,
        valid_from=entry.valid_from,
        valid_until=entry.valid_until,
        created_at=entry.created_at,
        created_by=entry.created_by,
    )


def _window(start: datetime | None, end: datetime | None) -> None:
    for moment in (start, end):
        if moment is not None and moment.tzinfo is None:
            raise InvalidInput("validity times need a timezone offset, e.g. 2026-11-22T08:00:00Z")
    if start is not None and end is not None and end <= start:
        raise InvalidInput("valid_until must be after valid_from")


@router.post("/parking/sites/{site_id}/lists", response_model=ListEntryOut, status_code=201)
def add_list_entry(
    site_id: str,
    body: ListEntryIn,
    operator: Operator = requires(MANAGE),
    context: AppContext = Depends(get_context),
    desk: GateDesk = Depends(get_desk),
) -> ListEntryOut:
    """Allow or deny a vehicle at one garage (zone_id) or all; deny keeps the gate shut."""
    _site(context, operator, site_id)
    _window(body.valid_from, body.valid_until)
    if body.zone_id is not None:
        require_zone(context.store, site_id, body.zone_id)
    entry = ListEntry(
        site_id=site_id,
        entry_id=str(uuid.uuid4()),
        subject_id=_subject(context, desk, site_id, body.plate),
        list_name=body.list,
        zone_id=body.zone_id,
        reason=body.reason,
        valid_from=body.valid_from,
        valid_until=body.valid_until,
        created_at=_now(),
        created_by=operator.username,
    )
    context.store.add_list_entry(entry)
    return entry_out(entry)


@router.get("/parking/sites/{site_id}/lists", response_model=list[ListEntryOut])
def list_list_entries(
    site_id: str, operator: Operator = requires(READ), context: AppContext = Depends(get_context)
) -> list[ListEntryOut]:
    _site(context, operator, site_id)
    return [entry_out(entry) for entry in context.store.list_entries(site_id)]


@router.delete("/parking/sites/{site_id}/lists/{entry_id}", status_code=204)
def delete_list_entry(
    site_id: str,
    entry_id: str,
    operator: Operator = requires(MANAGE),
    context: AppContext = Depends(get_context),
) -> Response:
    _site(context, operator, site_id)
    if not context.store.delete_list_entry(site_id, entry_id):
        raise NotFound(f"list entry {entry_id!r} not found")
    return Response(status_code=204)


def permit_out(permit: Permit) -> PermitOut:
    return PermitOut(
        site_id=permit.site_id,
        permit_id=permit.permit_id,
        subject_id=permit.subject_id,
        zone_id=permit.zone_id,
        kind=permit.kind,
        valid_from=permit.valid_from,
        valid_until=permit.valid_until,
        created_at=permit.created_at,
        created_by=permit.created_by,
    )


@router.post("/parking/sites/{site_id}/permits", response_model=PermitOut, status_code=201)
def add_permit(
    site_id: str,
    body: PermitIn,
    operator: Operator = requires(MANAGE),
    context: AppContext = Depends(get_context),
    desk: GateDesk = Depends(get_desk),
) -> PermitOut:
    """A resident's, staff or visitor permit: free passage within its window."""
    _site(context, operator, site_id)
    _window(body.valid_from, body.valid_until)
    if body.zone_id is not None:
        require_zone(context.store, site_id, body.zone_id)
    permit = Permit(
        site_id=site_id,
        permit_id=str(uuid.uuid4()),
        subject_id=_subject(context, desk, site_id, body.plate),
        zone_id=body.zone_id,
        kind=body.kind,
        valid_from=body.valid_from,
        valid_until=body.valid_until,
        created_at=_now(),
        created_by=operator.username,
    )
    context.store.add_permit(permit)
    return permit_out(permit)


@router.get("/parking/sites/{site_id}/permits", response_model=list[PermitOut])
def list_permits(
    site_id: str, operator: Operator = requires(READ), context: AppContext = Depends(get_context)
) -> list[PermitOut]:
    _site(context, operator, site_id)
    return [permit_out(p) for p in context.store.list_permits(site_id)]


@router.delete("/parking/sites/{site_id}/permits/{permit_id}", status_code=204)
def delete_permit(
    site_id: str,
    permit_id: str,
    operator: Operator = requires(MANAGE),
    context: AppContext = Depends(get_context),
) -> Response:
    _site(context, operator, site_id)
    if not context.store.delete_permit(site_id, permit_id):
        raise NotFound(f"permit {permit_id!r} not found")
    return Response(status_code=204)


# --- sessions and payments ------------------------------------------------------------------
def session_out(
    context: AppContext,
    desk: GateDesk,
    session: ParkingSession,
    plate: tuple[str | None, str] = (None, "none"),
) -> SessionOut:
    due = None
    if session.state == "open":
        site = context.store.get_site(session.site_id)
        tariff = desk.gates.tariff(session.site_id, session.zone_id)
        settled = settle_exit(session, tariff, site.timezone if site else "UTC", _now(), None)
        due = settled.due_minor
    return SessionOut(
        site_id=session.site_id,
        session_id=session.session_id,
        zone_id=session.zone_id,
        subject_id=session.subject_id,
        state=session.state,
        entry_at=session.entry_at,
        entry_device=session.entry_device,
        exit_at=session.exit_at,
        exit_device=session.exit_device,
        currency=session.currency,
        fee_minor=session.fee_minor,
        paid_minor=session.paid_minor,
        due_now_minor=due,
        paid_at=session.paid_at,
        lost_ticket=session.lost_ticket,
        permit_id=session.permit_id,
        closed_reason=session.closed_reason,
        plate=plate[0],
        disclosure=plate[1],
    )


def _visible_session(context: AppContext, operator: Operator, session_id: str) -> ParkingSession:
    session = context.store.find_session(session_id)
    if session is None or not operator.sees_site(session.site_id):
        raise NotFound(f"parking session {session_id!r} not found")
    return session


@router.get("/parking/sites/{site_id}/sessions", response_model=list[SessionOut])
def list_sessions(
    site_id: str,
    request: Request,
    operator: Operator = requires(READ),
    context: AppContext = Depends(get_context),
    desk: GateDesk = Depends(get_desk),
    zone: Annotated[str | None, Query(max_length=64)] = None,
    state: Annotated[str | None, Query(pattern="^(open|closed|voided)$")] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    purpose: PurposeQuery = None,
) -> list[SessionOut]:
    _site(context, operator, site_id)
    _window(since, until)
    query = SessionQuery(site_id, zone, None, state, since, until, limit)
    shown = _Shown(context, operator, purpose)
    out = [
        session_out(context, desk, s, shown.plate(site_id, s.subject_id))
        for s in context.store.find_sessions(query)
    ]
    if shown.opened:
        _audit(context, request, operator, "parking.sessions.read", site_id, shown.opened, purpose)
    return out


@router.post(
    "/parking/sessions/lookup",
    response_model=list[SessionOut],
    summary="Sessions of one plate (blind index; audited)",
)
def lookup_sessions(
    body: SessionLookupIn,
    request: Request,
    operator: Operator = requires(READ),
    context: AppContext = Depends(get_context),
    desk: GateDesk = Depends(get_desk),
) -> list[SessionOut]:
    """The plate travels in the body, not the URL, so it stays out of access logs."""
    _site(context, operator, body.site)
    match = match_plate(body.plate, desk.gates.formats(body.site))
    value = match.compact if match is not None else body.plate
    subjects = context.vault.find_subjects(body.site, "plate", value)
    _audit(context, request, operator, "parking.sessions.lookup", body.site, subjects, body.purpose)
    if not subjects:
        return []
    shown = _Shown(context, operator, body.purpose)
    sessions = context.store.find_sessions(
        SessionQuery(body.site, subject_ids=tuple(subjects), limit=body.limit)
    )
    return [session_out(context, desk, s, shown.plate(body.site, s.subject_id)) for s in sessions]


@router.get("/parking/sessions/{session_id}", response_model=SessionOut)
def get_session(
    session_id: str,
    operator: Operator = requires(READ),
    context: AppContext = Depends(get_context),
    desk: GateDesk = Depends(get_desk),
) -> SessionOut:
    """One session with what leaving now costs: what a pay station shows."""
    return session_out(context, desk, _visible_session(context, operator, session_id))


@router.post(
    "/parking/sessions/{session_id}/payments",
    response_model=PaymentOut,
    summary="Record a payment from a pay station or app (a retried reference counts once)",
)
def pay_session(
    session_id: str,
    body: PaymentIn,
    response: Response,
    operator: Operator = requires(Permission.PARKING_PAY),
    context: AppContext = Depends(get_context),
    desk: GateDesk = Depends(get_desk),
) -> PaymentOut:
    session = _visible_session(context, operator, session_id)
    payment = Payment(
        site_id=session.site_id,
        payment_id=str(uuid.uuid4()),
        session_id=session_id,
        amount_minor=body.amount_minor,
        currency=body.currency,
        method=body.method,
        reference=body.reference,
        paid_at=_now(),
        recorded_by=operator.username,
    )
    after, recorded = context.store.add_payment(payment)
    response.status_code = 201 if recorded else 200
    return PaymentOut(recorded=recorded, session=session_out(context, desk, after))


# --- review queue -----------------------------------------------------------------------------
def review_out(item: ReviewItem, plate: tuple[str | None, str] = (None, "none")) -> ReviewOut:
    return ReviewOut(
        site_id=item.site_id,
        review_id=item.review_id,
        device_id=item.device_id,
        zone_id=item.zone_id,
        direction=item.direction,
        confidence=item.confidence,
        reason=item.reason,
        created_at=item.created_at,
        state=item.state,
        resolution=item.resolution,
        resolved_by=item.resolved_by,
        resolved_at=item.resolved_at,
        plate=plate[0],
        disclosure=plate[1],
    )


def _review_plate(context: AppContext, shown: _Shown, item: ReviewItem) -> tuple[str | None, str]:
    """The model's guess, from the sealed plate.read event."""
    if shown.level is Disclosure.NONE or item.event_id is None:
        return None, "none"
    event = context.store.get_event(uuid.UUID(item.event_id))
    if event is None:
        return None, "expired"
    subject = event.subject_id
    if subject is None:
        return None, "none"
    return shown.plate(item.site_id, subject)


@router.get("/parking/sites/{site_id}/reviews", response_model=list[ReviewOut])
def list_reviews(
    site_id: str,
    request: Request,
    operator: Operator = requires(Permission.PARKING_REVIEW),
    context: AppContext = Depends(get_context),
    state: Annotated[str | None, Query(pattern="^(pending|resolved)$")] = "pending",
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    purpose: PurposeQuery = None,
) -> list[ReviewOut]:
    _site(context, operator, site_id)
    shown = _Shown(context, operator, purpose)
    out = [
        review_out(item, _review_plate(context, shown, item))
        for item in context.store.list_reviews(site_id, state, limit)
    ]
    if shown.opened:
        _audit(context, request, operator, "parking.reviews.read", site_id, shown.opened, purpose)
    return out


@router.post(
    "/parking/sites/{site_id}/reviews/{review_id}/resolve", response_model=ReviewResolveOut
)
def resolve_review(
    site_id: str,
    review_id: str,
    body: ReviewResolveIn,
    request: Request,
    operator: Operator = requires(Permission.PARKING_REVIEW),
    context: AppContext = Depends(get_context),
    desk: GateDesk = Depends(get_desk),
) -> ReviewResolveOut:
    """Confirm the plate a person reads off the frame (the gate then decides), or dismiss."""
    _site(context, operator, site_id)
    if (body.plate is None) == (not body.dismiss):
        raise InvalidInput("give either the plate you read or dismiss: true")
    plate = None if body.plate is None else _plate_match(desk, site_id, body.plate)
    decision = desk.gates.resolve_review(site_id, review_id, plate, operator.username)
    item = context.store.get_review(site_id, review_id)
    assert item is not None
    _audit(
        context,
        request,
        operator,
        "parking.review.resolve",
        site_id,
        [review_id],
        item.resolution,
    )
    return ReviewResolveOut(
        review=review_out(item), decision=None if decision is None else decision_out(decision)
    )


# --- reports ----------------------------------------------------------------------------------
@router.get("/parking/sites/{site_id}/occupancy", response_model=list[GarageOccupancyOut])
def occupancy_now(
    site_id: str, operator: Operator = requires(READ), context: AppContext = Depends(get_context)
) -> list[GarageOccupancyOut]:
    _site(context, operator, site_id)
    return [
        GarageOccupancyOut(
            zone_id=g.zone_id, name=g.name, capacity=g.capacity, occupied=g.occupied, lanes=g.lanes
        )
        for g in reports.occupancy_now(context.store, site_id)
    ]


@router.get(
    "/parking/sites/{site_id}/garages/{zone_id}/occupancy",
    response_model=list[OccupancyPointOut],
)
def occupancy_over_time(
    site_id: str,
    zone_id: str,
    since: datetime,
    until: datetime,
    operator: Operator = requires(READ),
    context: AppContext = Depends(get_context),
    step_minutes: Annotated[int, Query(ge=5, le=1440)] = 60,
) -> list[OccupancyPointOut]:
    _site(context, operator, site_id)
    points = reports.occupancy_series(
        context.store, site_id, zone_id, since, until, timedelta(minutes=step_minutes)
    )
    return [OccupancyPointOut(at=p.at, occupied=p.occupied) for p in points]


@router.get("/parking/sites/{site_id}/revenue", response_model=list[RevenueDayOut])
def revenue(
    site_id: str,
    since: datetime,
    until: datetime,
    operator: Operator = requires(READ),
    context: AppContext = Depends(get_context),
) -> list[RevenueDayOut]:
    """Payments per calendar day in the site's timezone."""
    site = _site(context, operator, site_id)
    days = reports.revenue_by_day(context.store, site_id, site.timezone, since, until)
    return [
        RevenueDayOut(
            day=d.day, currency=d.currency, amount_minor=d.amount_minor, payments=d.payments
        )
        for d in days
    ]
