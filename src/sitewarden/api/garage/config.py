"""Garage configuration: lanes, plate formats, tariffs."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from sitewarden.api.answers import deleted_or_404
from sitewarden.api.authentication import ParkingManager, ParkingReader
from sitewarden.api.context import Context
from sitewarden.api.garage.common import AppGateDesk, _now
from sitewarden.api.operator_scope import SiteInScope, record_audit
from sitewarden.api.parking_schemas import (
    CustomFormatIn,
    LaneIn,
    LaneOut,
    PlateSettingsIn,
    PlateSettingsOut,
    TariffIn,
    TariffOut,
)
from sitewarden.errors import InvalidInput, NotFound
from sitewarden.events.device_kinds import DeviceKind
from sitewarden.parking.records import GarageTariff, Lane, PlateSettings
from sitewarden.parking.tariffs import Tariff
from sitewarden.registry.service import require_device, require_zone
from sitewarden.vision.plate_formats import BUILT_IN, check_pattern, resolve_formats

router = APIRouter(prefix="/api/v1", tags=["parking"])


def lane_out(lane: Lane) -> LaneOut:
    return LaneOut.model_validate(lane, from_attributes=True)


@router.put("/parking/sites/{site_id}/lanes/{device_id}", response_model=LaneOut)
def put_lane(
    site_id: str,
    device_id: str,
    body: LaneIn,
    request: Request,
    operator: ParkingManager,
    context: Context,
    site: SiteInScope,
) -> LaneOut:
    """Make a plate camera an entry or exit lane of the garage (zone) it stands in."""
    device = require_device(context.store.registry, site_id, device_id)
    if device.kind is not DeviceKind.PLATE_CAMERA:
        raise InvalidInput(f"device {device_id!r} is a {device.kind.value}, not a plate_camera")
    zone_id = body.zone_id or device.zone_id
    if zone_id is None:
        raise InvalidInput(f"device {device_id!r} has no zone; give zone_id (the garage)")
    require_zone(context.store.registry, site_id, zone_id)
    lane = Lane(site_id, device_id, zone_id, body.direction, _now())
    context.store.parking_config.put_lane(lane)
    record_audit(context, request, operator, "parking.lane.save", site_id, [device_id], None)
    return lane_out(lane)


@router.get("/parking/sites/{site_id}/lanes", response_model=list[LaneOut])
def list_lanes(
    site_id: str, operator: ParkingReader, context: Context, site: SiteInScope
) -> list[LaneOut]:
    return [lane_out(lane) for lane in context.store.parking_config.list_lanes(site_id)]


@router.delete("/parking/sites/{site_id}/lanes/{device_id}", status_code=204)
def delete_lane(
    site_id: str,
    device_id: str,
    request: Request,
    operator: ParkingManager,
    context: Context,
    site: SiteInScope,
) -> Response:
    removed = context.store.parking_config.delete_lane(site_id, device_id)
    context.store.lane_frames.delete(site_id, device_id)  # its last frame goes with it
    if removed:
        record_audit(context, request, operator, "parking.lane.delete", site_id, [device_id], None)
    return deleted_or_404(removed, f"lane {device_id!r} not found in site {site_id!r}")


def settings_out(settings: PlateSettings) -> PlateSettingsOut:
    return PlateSettingsOut(
        site_id=settings.site_id,
        formats=list(settings.formats),
        custom_formats=[
            CustomFormatIn(name=f.name, pattern=f.pattern) for f in settings.custom_formats
        ],
        review_below=settings.review_below,
        duplicate_window_s=settings.duplicate_window_s,
        unsure_reads=settings.unsure_reads,
        built_in={name: f"{f.pattern}: {f.description}" for name, f in BUILT_IN.items()},
    )


@router.get("/parking/sites/{site_id}/plate-settings", response_model=PlateSettingsOut)
def get_plate_settings(
    site_id: str, operator: ParkingReader, context: Context, site: SiteInScope, desk: AppGateDesk
) -> PlateSettingsOut:
    return settings_out(desk.gates.plate_settings(site_id))


@router.put("/parking/sites/{site_id}/plate-settings", response_model=PlateSettingsOut)
def put_plate_settings(
    site_id: str,
    body: PlateSettingsIn,
    request: Request,
    operator: ParkingManager,
    context: Context,
    site: SiteInScope,
) -> PlateSettingsOut:
    """Which plate formats this site reads, in order; when a read needs a person."""
    custom = tuple(check_pattern(f.name, f.pattern) for f in body.custom_formats)
    settings = PlateSettings(
        site_id,
        tuple(body.formats),
        custom,
        body.review_below,
        body.duplicate_window_s,
        body.unsure_reads,
    )
    resolve_formats(settings.formats, settings.custom_formats)  # refuses unknown names
    context.store.parking_config.put_plate_settings(settings)
    record_audit(
        context, request, operator, "parking.plate_settings.save", site_id, [site_id], None
    )
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
    request: Request,
    operator: ParkingManager,
    context: Context,
    site: SiteInScope,
) -> TariffOut:
    require_zone(context.store.registry, site_id, zone_id)
    tariff = Tariff(**body.model_dump()).check()
    stored = GarageTariff(site_id, zone_id, tariff, _now(), operator.username)
    context.store.parking_config.put_tariff(stored)
    record_audit(context, request, operator, "parking.tariff.save", site_id, [zone_id], None)
    return tariff_out(stored)


@router.get("/parking/sites/{site_id}/garages/{zone_id}/tariff", response_model=TariffOut)
def get_tariff(
    site_id: str, zone_id: str, operator: ParkingReader, context: Context, site: SiteInScope
) -> TariffOut:
    stored = context.store.parking_config.get_tariff(site_id, zone_id)
    if stored is None:
        raise NotFound(f"garage {zone_id!r} has no tariff (parking there is free)")
    return tariff_out(stored)


# --- vehicles, lists, permits -----------------------------------------------------------------
