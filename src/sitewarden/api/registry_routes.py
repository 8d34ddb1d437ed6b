"""Sites, zones and devices. Reading needs registry:read; changing, registry:write.

A site outside the caller's scope answers 404 exactly like a missing one.
"""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel

from sitewarden.accounts.roles import Permission
from sitewarden.api.authentication import RegistryReader, RegistryWriter
from sitewarden.api.context import AppContext, Context
from sitewarden.api.operator_scope import SiteInScope, record_audit, require_unscoped
from sitewarden.api.schemas import (
    ActivityBucket,
    DeviceActivity,
    DeviceIn,
    DeviceOut,
    DevicePatch,
    DeviceToken,
    DeviceWithToken,
    SiteIn,
    SiteOut,
    SitePatch,
    ZoneIn,
    ZoneOut,
    ZonePatch,
)
from sitewarden.errors import InvalidInput
from sitewarden.registry import service
from sitewarden.registry.records import Device, Site, Zone

router = APIRouter(prefix="/api/v1/sites", tags=["registry"])

READ = Permission.REGISTRY_READ
WRITE = Permission.REGISTRY_WRITE


def site_out(site: Site) -> SiteOut:
    return SiteOut.model_validate(site, from_attributes=True)


def zone_out(zone: Zone) -> ZoneOut:
    return ZoneOut.model_validate(zone, from_attributes=True)


def device_out(device: Device, context: AppContext) -> DeviceOut:
    status = service.device_status(
        device, datetime.now(UTC), context.settings.offline_after_intervals
    )
    return DeviceOut.model_validate({**asdict(device), "status": status})


def patch_changes(body: BaseModel, *, never_null: tuple[str, ...]) -> dict[str, Any]:
    """The fields a PATCH body sets. ``null`` clears a field that may be empty (a device's
    zone or position); for one that may not, it is refused here rather than by the database."""
    changes = body.model_dump(exclude_unset=True)
    nulled = [name for name in never_null if name in changes and changes[name] is None]
    if nulled:
        raise InvalidInput(
            f"{', '.join(nulled)} cannot be null; leave a field out to keep its current value"
        )
    return changes


# --- sites ------------------------------------------------------------------------
@router.get("", response_model=list[SiteOut], summary="Sites the caller may see")
def list_sites(operator: RegistryReader, context: Context) -> list[SiteOut]:
    return [site_out(site) for site in context.store.registry.list_sites(operator.site_scope)]


@router.post("", response_model=SiteOut, status_code=201, summary="Register a site")
def create_site(
    body: SiteIn, request: Request, operator: RegistryWriter, context: Context
) -> SiteOut:
    require_unscoped(operator, "creating a site")
    site = service.create_site(
        context.store.registry,
        body.site_id,
        body.name,
        body.timezone,
        body.plan_width,
        body.plan_height,
    )
    record_audit(context, request, operator, "site.create", site.site_id, [site.site_id], None)
    return site_out(site)


@router.get("/{site_id}", response_model=SiteOut)
def get_site(
    site_id: str, operator: RegistryReader, context: Context, site: SiteInScope
) -> SiteOut:
    return site_out(site)


@router.patch("/{site_id}", response_model=SiteOut)
def patch_site(
    site_id: str,
    body: SitePatch,
    request: Request,
    operator: RegistryWriter,
    context: Context,
    site: SiteInScope,
) -> SiteOut:
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    updated = service.update_site(context.store.registry, replace(site, **changes))
    record_audit(context, request, operator, "site.update", site_id, [site_id], None)
    return site_out(updated)


@router.delete("/{site_id}", status_code=204, response_class=Response)
def delete_site(
    site_id: str, request: Request, operator: RegistryWriter, context: Context, site: SiteInScope
) -> Response:
    service.delete_site(context.store.registry, site_id)
    record_audit(context, request, operator, "site.delete", site_id, [site_id], None)
    return Response(status_code=204)


# --- zones ------------------------------------------------------------------------
@router.get("/{site_id}/zones", response_model=list[ZoneOut])
def list_zones(
    site_id: str, operator: RegistryReader, context: Context, site: SiteInScope
) -> list[ZoneOut]:
    return [zone_out(zone) for zone in context.store.registry.list_zones(site_id)]


@router.post("/{site_id}/zones", response_model=ZoneOut, status_code=201)
def create_zone(
    site_id: str,
    body: ZoneIn,
    request: Request,
    operator: RegistryWriter,
    context: Context,
    site: SiteInScope,
) -> ZoneOut:
    zone = service.create_zone(
        context.store.registry, site_id, body.zone_id, body.name, body.capacity
    )
    record_audit(context, request, operator, "zone.create", site_id, [zone.zone_id], None)
    return zone_out(zone)


@router.get("/{site_id}/zones/{zone_id}", response_model=ZoneOut)
def get_zone(
    site_id: str, zone_id: str, operator: RegistryReader, context: Context, site: SiteInScope
) -> ZoneOut:
    return zone_out(service.require_zone(context.store.registry, site_id, zone_id))


@router.patch("/{site_id}/zones/{zone_id}", response_model=ZoneOut)
def patch_zone(
    site_id: str,
    zone_id: str,
    body: ZonePatch,
    request: Request,
    operator: RegistryWriter,
    context: Context,
    site: SiteInScope,
) -> ZoneOut:
    zone = service.require_zone(context.store.registry, site_id, zone_id)
    updated = replace(zone, **patch_changes(body, never_null=("name",)))
    context.store.registry.update_zone(updated)
    record_audit(context, request, operator, "zone.update", site_id, [zone_id], None)
    return zone_out(updated)


@router.delete("/{site_id}/zones/{zone_id}", status_code=204, response_class=Response)
def delete_zone(
    site_id: str,
    zone_id: str,
    request: Request,
    operator: RegistryWriter,
    context: Context,
    site: SiteInScope,
) -> Response:
    service.delete_zone(context.store.registry, site_id, zone_id)
    record_audit(context, request, operator, "zone.delete", site_id, [zone_id], None)
    return Response(status_code=204)


# --- devices ----------------------------------------------------------------------
@router.get("/{site_id}/devices", response_model=list[DeviceOut])
def list_devices(
    site_id: str, operator: RegistryReader, context: Context, site: SiteInScope
) -> list[DeviceOut]:
    return [device_out(device, context) for device in context.store.registry.list_devices(site_id)]


@router.post(
    "/{site_id}/devices",
    response_model=DeviceWithToken,
    status_code=201,
    summary="Register a device; its token is in the answer, once",
)
def create_device(
    site_id: str,
    body: DeviceIn,
    request: Request,
    operator: RegistryWriter,
    context: Context,
    site: SiteInScope,
) -> DeviceWithToken:
    device, token = service.create_device(
        context.store.registry,
        site_id,
        body.device_id,
        body.kind,
        name=body.name,
        zone_id=body.zone_id,
        x=body.x,
        y=body.y,
        heartbeat_s=body.heartbeat_s,
        rotation=body.rotation,
    )
    stored = service.require_device(context.store.registry, site_id, device.device_id)
    record_audit(context, request, operator, "device.create", site_id, [device.device_id], None)
    return DeviceWithToken(**device_out(stored, context).model_dump(), token=token)


@router.get("/{site_id}/devices/{device_id}", response_model=DeviceOut)
def get_device(
    site_id: str, device_id: str, operator: RegistryReader, context: Context, site: SiteInScope
) -> DeviceOut:
    return device_out(service.require_device(context.store.registry, site_id, device_id), context)


@router.get(
    "/{site_id}/devices/{device_id}/activity",
    response_model=DeviceActivity,
    summary="Events the device sent per time slice (heartbeats included); 0 where silent",
)
def device_activity(
    site_id: str,
    device_id: str,
    operator: RegistryReader,
    context: Context,
    site: SiteInScope,
    hours: Annotated[int, Query(ge=1, le=168, description="how far back, up to 7 days")] = 24,
) -> DeviceActivity:
    device = service.require_device(context.store.registry, site_id, device_id)
    bucket_s = 900 if hours <= 24 else 3600
    now = datetime.now(UTC).timestamp()
    until = datetime.fromtimestamp((now // bucket_s + 1) * bucket_s, UTC)
    since = until - timedelta(hours=hours)
    counts = context.store.events.device_activity(site_id, device_id, since, until, bucket_s)
    starts = [since + timedelta(seconds=bucket_s * n) for n in range(hours * 3600 // bucket_s)]
    return DeviceActivity(
        site_id=site_id,
        device_id=device_id,
        since=since,
        until=until,
        bucket_s=bucket_s,
        heartbeat_s=device.heartbeat_s,
        buckets=[ActivityBucket(start=start, count=counts.get(start, 0)) for start in starts],
    )


@router.patch("/{site_id}/devices/{device_id}", response_model=DeviceOut)
def patch_device(
    site_id: str,
    device_id: str,
    body: DevicePatch,
    request: Request,
    operator: RegistryWriter,
    context: Context,
    site: SiteInScope,
) -> DeviceOut:
    device = service.require_device(context.store.registry, site_id, device_id)
    changes = patch_changes(body, never_null=("kind", "name", "heartbeat_s", "rotation"))
    updated = service.update_device(context.store.registry, replace(device, **changes))
    # Who changed which device, and when (a move on the site plan is a change too).
    record_audit(context, request, operator, "device.update", site_id, [device_id], None)
    return device_out(updated, context)


@router.delete("/{site_id}/devices/{device_id}", status_code=204, response_class=Response)
def delete_device(
    site_id: str,
    device_id: str,
    request: Request,
    operator: RegistryWriter,
    context: Context,
    site: SiteInScope,
) -> Response:
    service.require_device(context.store.registry, site_id, device_id)
    context.store.registry.delete_device(site_id, device_id)
    record_audit(context, request, operator, "device.delete", site_id, [device_id], None)
    return Response(status_code=204)


@router.post(
    "/{site_id}/devices/{device_id}/token",
    response_model=DeviceToken,
    summary="Issue a new token (the old one stops working)",
)
def rotate_token(
    site_id: str,
    device_id: str,
    request: Request,
    operator: RegistryWriter,
    context: Context,
    site: SiteInScope,
) -> DeviceToken:
    token = service.rotate_device_token(context.store.registry, site_id, device_id)
    record_audit(context, request, operator, "device.token_rotate", site_id, [device_id], None)
    return DeviceToken(site_id=site_id, device_id=device_id, token=token)


@router.delete(
    "/{site_id}/devices/{device_id}/token",
    response_model=DeviceOut,
    summary="Revoke the device's token",
)
def revoke_token(
    site_id: str,
    device_id: str,
    request: Request,
    operator: RegistryWriter,
    context: Context,
    site: SiteInScope,
) -> DeviceOut:
    service.revoke_device_token(context.store.registry, site_id, device_id)
    record_audit(context, request, operator, "device.token_revoke", site_id, [device_id], None)
    return device_out(service.require_device(context.store.registry, site_id, device_id), context)
