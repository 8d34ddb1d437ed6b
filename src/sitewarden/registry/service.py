"""Registry operations with their rules: what may be created, changed and removed."""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import replace
from datetime import UTC, datetime

from sitewarden.errors import AlreadyExists, AuthenticationFailed, Conflict, InvalidInput, NotFound
from sitewarden.events.device_kinds import DeviceKind
from sitewarden.registry.records import ROTATIONS, Device, Sender, Site, Zone
from sitewarden.registry.tables import RegistryTables
from sitewarden.tokens import DEVICE_TOKEN_PREFIX, issue_secret, secret_matches, split_token

IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")


def _now() -> datetime:
    return datetime.now(UTC)


def check_identifier(value: str, what: str) -> None:
    if not IDENTIFIER.match(value):
        raise InvalidInput(
            f"{what} id {value!r} not allowed: use 1-64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )


def check_timezone(name: str) -> None:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(
            f"unknown timezone {name!r}; use an IANA name such as 'Asia/Shanghai'"
        ) from exc


def check_rotation(rotation: int) -> None:
    if rotation not in ROTATIONS:
        raise InvalidInput(
            f"rotation {rotation!r} not allowed: use 0, 90, 180 or 270, the clockwise turn in "
            "degrees that makes the camera's picture upright"
        )


def require_site(registry: RegistryTables, site_id: str) -> Site:
    site = registry.get_site(site_id)
    if site is None:
        raise NotFound(f"site {site_id!r} not found")
    return site


def require_zone(registry: RegistryTables, site_id: str, zone_id: str) -> Zone:
    zone = registry.get_zone(site_id, zone_id)
    if zone is None:
        raise NotFound(f"zone {zone_id!r} not found in site {site_id!r}")
    return zone


def require_device(registry: RegistryTables, site_id: str, device_id: str) -> Device:
    device = registry.get_device(site_id, device_id)
    if device is None:
        raise NotFound(f"device {device_id!r} not found in site {site_id!r}")
    return device


def create_site(
    registry: RegistryTables,
    site_id: str,
    name: str,
    timezone: str,
    plan_width: int,
    plan_height: int,
) -> Site:
    check_identifier(site_id, "site")
    check_timezone(timezone)
    if registry.get_site(site_id) is not None:
        raise AlreadyExists(f"site {site_id!r} exists already")
    site = Site(site_id, name, timezone, plan_width, plan_height, _now())
    registry.add_site(site)
    return site


def update_site(registry: RegistryTables, site: Site) -> Site:
    check_timezone(site.timezone)
    registry.update_site(site)
    return site


def delete_site(registry: RegistryTables, site_id: str) -> None:
    require_site(registry, site_id)
    contents = registry.count_site_contents(site_id)
    if any(contents.values()):
        held = ", ".join(f"{name}" for name, count in contents.items() if count)
        raise Conflict(
            f"site {site_id!r} still has {held}; remove its devices and zones first "
            "(events leave by retention)"
        )
    registry.delete_site(site_id)


def create_zone(
    registry: RegistryTables, site_id: str, zone_id: str, name: str, capacity: int | None
) -> Zone:
    require_site(registry, site_id)
    check_identifier(zone_id, "zone")
    if registry.get_zone(site_id, zone_id) is not None:
        raise AlreadyExists(f"zone {zone_id!r} exists already in site {site_id!r}")
    zone = Zone(site_id, zone_id, name, capacity, _now())
    registry.add_zone(zone)
    return zone


def delete_zone(registry: RegistryTables, site_id: str, zone_id: str) -> None:
    require_zone(registry, site_id, zone_id)
    users = [d.device_id for d in registry.list_devices(site_id) if d.zone_id == zone_id]
    if users:
        raise Conflict(
            f"zone {zone_id!r} still holds devices {', '.join(users[:5])}; move or remove them"
        )
    registry.delete_zone(site_id, zone_id)


def create_device(
    registry: RegistryTables,
    site_id: str,
    device_id: str,
    kind: DeviceKind,
    *,
    name: str | None = None,
    zone_id: str | None = None,
    x: float | None = None,
    y: float | None = None,
    heartbeat_s: int = 60,
    rotation: int = 0,
) -> tuple[Device, str]:
    """Register a device and issue its first token (returned once, stored as a hash)."""
    require_site(registry, site_id)
    check_identifier(device_id, "device")
    if zone_id is not None:
        require_zone(registry, site_id, zone_id)
    if registry.get_device(site_id, device_id) is not None:
        raise AlreadyExists(f"device {device_id!r} exists already in site {site_id!r}")
    if not 5 <= heartbeat_s <= 86400:
        raise InvalidInput("heartbeat_s must be between 5 and 86400 seconds")
    check_rotation(rotation)
    device = Device(
        site_id=site_id,
        device_id=device_id,
        zone_id=zone_id,
        kind=kind,
        name=name or device_id,
        x=x,
        y=y,
        heartbeat_s=heartbeat_s,
        created_at=_now(),
        rotation=rotation,
    )
    registry.add_device(device)
    return device, rotate_device_token(registry, site_id, device_id)


def update_device(registry: RegistryTables, device: Device) -> Device:
    if device.zone_id is not None:
        require_zone(registry, device.site_id, device.zone_id)
    if not 5 <= device.heartbeat_s <= 86400:
        raise InvalidInput("heartbeat_s must be between 5 and 86400 seconds")
    check_rotation(device.rotation)
    registry.update_device(device)
    return device


def rotate_device_token(registry: RegistryTables, site_id: str, device_id: str) -> str:
    """Issue a new token for the device; the old one stops working at once."""
    require_device(registry, site_id, device_id)
    issued = issue_secret(DEVICE_TOKEN_PREFIX)
    registry.set_device_token(site_id, device_id, issued.public_id, issued.secret_hash, _now())
    return issued.token


def revoke_device_token(registry: RegistryTables, site_id: str, device_id: str) -> Device:
    device = require_device(registry, site_id, device_id)
    registry.revoke_device_token(site_id, device_id, _now())
    return replace(device, token_revoked_at=_now())


def authenticate_device(registry: RegistryTables, token: str) -> Sender:
    """The device a token belongs to; AuthenticationFailed with the reason otherwise."""
    parts = split_token(DEVICE_TOKEN_PREFIX, token)
    if parts is None:
        raise AuthenticationFailed("malformed device token; it should start with 'swd_'")
    credential = registry.find_device_credential(parts[0])
    if credential is None:
        raise AuthenticationFailed("device token unknown")
    if credential.revoked_at is not None:
        raise AuthenticationFailed(
            f"device {credential.device_id}: token revoked at "
            f"{credential.revoked_at:%Y-%m-%d %H:%M} UTC; issue a new one with "
            f"'sitewarden devices token {credential.site_id} {credential.device_id}'"
        )
    if not secret_matches(parts[1], credential.token_hash):
        raise AuthenticationFailed("device token unknown")
    return Sender(credential.site_id, credential.device_id, credential.kind, credential.zone_id)


def device_status(device: Device, now: datetime, offline_after_intervals: float) -> str:
    """'online', 'offline', or 'unknown' for a device never heard from."""
    if device.last_seen_at is None:
        return "unknown"
    silent = (now - device.last_seen_at).total_seconds()
    return "online" if silent <= device.heartbeat_s * offline_after_intervals else "offline"
