"""Vehicles, allow and deny lists, permits."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from sitewarden.api.answers import deleted_or_404
from sitewarden.api.authentication import ParkingManager, ParkingReader
from sitewarden.api.context import AppContext, Context
from sitewarden.api.garage.common import (
    AppGateDesk,
    GateDesk,
    _now,
    _plate_match,
    _Shown,
    _subject,
)
from sitewarden.api.operator_scope import OptionalPurpose, SiteInScope, record_audit
from sitewarden.api.parking_schemas import (
    ListEntryIn,
    ListEntryOut,
    PermitIn,
    PermitOut,
    VehicleIn,
    VehicleOut,
)
from sitewarden.errors import InvalidInput
from sitewarden.parking.records import ListEntry, Permit, Vehicle
from sitewarden.privacy.free_text import note_validator
from sitewarden.privacy.masking import mask_plate
from sitewarden.registry.service import require_zone
from sitewarden.validity import check_window

router = APIRouter(prefix="/api/v1", tags=["parking"])


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


def _check_owner_ref(context: AppContext, site_id: str, owner_ref: str | None) -> None:
    """An owner reference is stored in the clear: a person of this site is taken as it is
    (a random id, which may happen to look like a number); anything else is screened as
    free text, so no ID or phone number slips in through it."""
    if owner_ref is None or context.store.access.get_person(site_id, owner_ref) is not None:
        return
    try:
        note_validator(owner_ref)
    except ValueError as exc:
        raise InvalidInput(f"body.owner_ref: {exc}") from None


@router.post("/parking/sites/{site_id}/vehicles", response_model=VehicleOut, status_code=201)
def register_vehicle(
    site_id: str,
    body: VehicleIn,
    request: Request,
    operator: ParkingManager,
    context: Context,
    site: SiteInScope,
    desk: AppGateDesk,
) -> VehicleOut:
    """The plate is kept sealed in the vehicle's vault subject; rows carry the subject id."""
    match = _plate_match(desk, site_id, body.plate)
    _check_owner_ref(context, site_id, body.owner_ref)
    subject = context.vault.subject_for(site_id, "plate", "vehicle", match.compact)
    vehicle = Vehicle(site_id, subject, body.owner_ref, body.note, _now(), operator.username)
    context.store.parking_config.put_vehicle(vehicle)
    record_audit(context, request, operator, "parking.vehicle.register", site_id, [subject], None)
    return vehicle_out(vehicle, mask_plate(match.display), "masked")


@router.get("/parking/sites/{site_id}/vehicles", response_model=list[VehicleOut])
def list_vehicles(
    site_id: str,
    request: Request,
    operator: ParkingReader,
    context: Context,
    site: SiteInScope,
    purpose: OptionalPurpose = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[VehicleOut]:
    shown = _Shown(context, operator, purpose)
    out = [
        vehicle_out(v, *shown.plate(site_id, v.subject_id))
        for v in context.store.parking_config.list_vehicles(site_id, limit)
    ]
    if shown.opened:
        record_audit(
            context, request, operator, "parking.vehicles.read", site_id, shown.opened, purpose
        )
    return out


@router.delete("/parking/sites/{site_id}/vehicles/{subject_id}", status_code=204)
def delete_vehicle(
    site_id: str,
    subject_id: str,
    request: Request,
    operator: ParkingManager,
    context: Context,
    site: SiteInScope,
) -> Response:
    removed = context.store.parking_config.delete_vehicle(site_id, subject_id)
    if removed:
        targets = [subject_id]
        record_audit(context, request, operator, "parking.vehicle.delete", site_id, targets, None)
    return deleted_or_404(removed, f"vehicle {subject_id!r} not found")


def entry_out(entry: ListEntry) -> ListEntryOut:
    return ListEntryOut.model_validate({**asdict(entry), "list": entry.list_name})


def _vehicle_rule_subject(
    context: AppContext, desk: GateDesk, site_id: str, body: ListEntryIn | PermitIn
) -> str:
    """What list entries and permits both check (their site is checked by the route): the
    window, the garage; then the subject of the plate they are about."""
    check_window(body.valid_from, body.valid_until)
    if body.zone_id is not None:
        require_zone(context.store.registry, site_id, body.zone_id)
    return _subject(context, desk, site_id, body.plate)


@router.post("/parking/sites/{site_id}/lists", response_model=ListEntryOut, status_code=201)
def add_list_entry(
    site_id: str,
    body: ListEntryIn,
    request: Request,
    operator: ParkingManager,
    context: Context,
    site: SiteInScope,
    desk: AppGateDesk,
) -> ListEntryOut:
    """Allow or deny a vehicle at one garage (zone_id) or all; deny keeps the gate shut."""
    entry = ListEntry(
        site_id=site_id,
        entry_id=str(uuid.uuid4()),
        subject_id=_vehicle_rule_subject(context, desk, site_id, body),
        list_name=body.list,
        zone_id=body.zone_id,
        reason=body.reason,
        valid_from=body.valid_from,
        valid_until=body.valid_until,
        created_at=_now(),
        created_by=operator.username,
    )
    context.store.parking_config.add_list_entry(entry)
    targets = [entry.entry_id, entry.subject_id]
    record_audit(context, request, operator, "parking.list.add", site_id, targets, None)
    return entry_out(entry)


@router.get("/parking/sites/{site_id}/lists", response_model=list[ListEntryOut])
def list_list_entries(
    site_id: str, operator: ParkingReader, context: Context, site: SiteInScope
) -> list[ListEntryOut]:
    return [entry_out(entry) for entry in context.store.parking_config.list_entries(site_id)]


@router.delete("/parking/sites/{site_id}/lists/{entry_id}", status_code=204)
def delete_list_entry(
    site_id: str,
    entry_id: str,
    request: Request,
    operator: ParkingManager,
    context: Context,
    site: SiteInScope,
) -> Response:
    removed = context.store.parking_config.delete_list_entry(site_id, entry_id)
    if removed:
        record_audit(context, request, operator, "parking.list.delete", site_id, [entry_id], None)
    return deleted_or_404(removed, f"list entry {entry_id!r} not found")


def permit_out(permit: Permit) -> PermitOut:
    return PermitOut.model_validate(asdict(permit))


@router.post("/parking/sites/{site_id}/permits", response_model=PermitOut, status_code=201)
def add_permit(
    site_id: str,
    body: PermitIn,
    request: Request,
    operator: ParkingManager,
    context: Context,
    site: SiteInScope,
    desk: AppGateDesk,
) -> PermitOut:
    """A resident's, staff or visitor permit: free passage within its window."""
    permit = Permit(
        site_id=site_id,
        permit_id=str(uuid.uuid4()),
        subject_id=_vehicle_rule_subject(context, desk, site_id, body),
        zone_id=body.zone_id,
        kind=body.kind,
        valid_from=body.valid_from,
        valid_until=body.valid_until,
        created_at=_now(),
        created_by=operator.username,
    )
    context.store.parking_config.add_permit(permit)
    targets = [permit.permit_id, permit.subject_id]
    record_audit(context, request, operator, "parking.permit.add", site_id, targets, None)
    return permit_out(permit)


@router.get("/parking/sites/{site_id}/permits", response_model=list[PermitOut])
def list_permits(
    site_id: str, operator: ParkingReader, context: Context, site: SiteInScope
) -> list[PermitOut]:
    return [permit_out(p) for p in context.store.parking_config.list_permits(site_id)]


@router.delete("/parking/sites/{site_id}/permits/{permit_id}", status_code=204)
def delete_permit(
    site_id: str,
    permit_id: str,
    request: Request,
    operator: ParkingManager,
    context: Context,
    site: SiteInScope,
) -> Response:
    removed = context.store.parking_config.delete_permit(site_id, permit_id)
    if removed:
        targets = [permit_id]
        record_audit(context, request, operator, "parking.permit.delete", site_id, targets, None)
    return deleted_or_404(removed, f"permit {permit_id!r} not found")


# --- sessions and payments ------------------------------------------------------------------
