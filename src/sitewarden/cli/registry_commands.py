"""Sites, zones and devices."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Table

from sitewarden.cli.base import DataDir, app, audit_cli_change, opened_store, out, settings_for
from sitewarden.events.device_kinds import DeviceKind
from sitewarden.registry import service

sites_app = typer.Typer(help="Sites and zones.", no_args_is_help=True)
devices_app = typer.Typer(help="Devices and their tokens.", no_args_is_help=True)
app.add_typer(sites_app, name="sites")
app.add_typer(devices_app, name="devices")


# --- sites and zones ---------------------------------------------------------------
@sites_app.command("add")
def sites_add(
    site_id: str,
    name: Annotated[str, typer.Option(help="display name")],
    timezone: Annotated[str, typer.Option(help="IANA timezone, e.g. Asia/Shanghai")] = "UTC",
    data_dir: DataDir = None,
) -> None:
    """Register a site."""
    settings = settings_for(data_dir)
    with opened_store(settings) as store:
        service.create_site(store.registry, site_id, name, timezone, 1000, 700)
        audit_cli_change(settings, store, "site.create", site_id, [site_id])
    out.print(f"Created site {site_id}")


@sites_app.command("list")
def sites_list(data_dir: DataDir = None) -> None:
    """List sites."""
    with opened_store(settings_for(data_dir)) as store:
        table = Table("site", "name", "timezone", "zones", "devices")
        for site in store.registry.list_sites():
            contents = store.registry.count_site_contents(site.site_id)
            table.add_row(
                site.site_id,
                site.name,
                site.timezone,
                str(contents["zones"]),
                str(contents["devices"]),
            )
    out.print(table)


@sites_app.command("add-zone")
def sites_add_zone(
    site_id: str,
    zone_id: str,
    name: Annotated[str | None, typer.Option(help="display name")] = None,
    capacity: Annotated[int | None, typer.Option(help="people the zone may hold")] = None,
    data_dir: DataDir = None,
) -> None:
    """Add a zone to a site."""
    settings = settings_for(data_dir)
    with opened_store(settings) as store:
        service.create_zone(store.registry, site_id, zone_id, name or zone_id, capacity)
        audit_cli_change(settings, store, "zone.create", site_id, [zone_id])
    out.print(f"Created zone {zone_id} in {site_id}")


# --- devices ---------------------------------------------------------------------
@devices_app.command("add")
def devices_add(
    site_id: str,
    device_id: str,
    kind: Annotated[DeviceKind, typer.Option(help="kind of device")],
    zone: Annotated[str | None, typer.Option(help="zone id")] = None,
    name: Annotated[str | None, typer.Option(help="display name")] = None,
    heartbeat: Annotated[int, typer.Option(help="heartbeat interval, seconds")] = 60,
    rotation: Annotated[
        int,
        typer.Option(
            help="clockwise turn (0, 90, 180 or 270 degrees) that makes the camera's picture "
            "upright; snapshots are stored turned by it"
        ),
    ] = 0,
    data_dir: DataDir = None,
) -> None:
    """Register a device; its token is shown once."""
    settings = settings_for(data_dir)
    with opened_store(settings) as store:
        _, token = service.create_device(
            store.registry,
            site_id,
            device_id,
            kind,
            name=name,
            zone_id=zone,
            heartbeat_s=heartbeat,
            rotation=rotation,
        )
        audit_cli_change(settings, store, "device.create", site_id, [device_id])
    out.print(f"Registered {device_id} in {site_id}")
    out.print(f"  token  [bold]{token}[/]  (shown once; configure the device with it)")


@devices_app.command("list")
def devices_list(site_id: str, data_dir: DataDir = None) -> None:
    """List a site's devices with their status."""
    settings = settings_for(data_dir)
    with opened_store(settings) as store:
        service.require_site(store.registry, site_id)
        devices = store.registry.list_devices(site_id)
    now = datetime.now(UTC)
    table = Table("device", "kind", "zone", "rotation", "status", "last seen")
    for device in devices:
        status = service.device_status(device, now, settings.offline_after_intervals)
        colour = {"online": "green", "offline": "red"}.get(status, "dim")
        seen = f"{device.last_seen_at:%Y-%m-%d %H:%M:%S}" if device.last_seen_at else "never"
        table.add_row(
            device.device_id,
            device.kind.value,
            device.zone_id or "-",
            f"{device.rotation}°",
            f"[{colour}]{status}[/]",
            seen,
        )
    out.print(table)


@devices_app.command("token")
def devices_token(site_id: str, device_id: str, data_dir: DataDir = None) -> None:
    """Issue a new token for a device (the old one stops working)."""
    settings = settings_for(data_dir)
    with opened_store(settings) as store:
        token = service.rotate_device_token(store.registry, site_id, device_id)
        audit_cli_change(settings, store, "device.token_rotate", site_id, [device_id])
    out.print(f"New token for {device_id}: [bold]{token}[/]  (shown once)")


@devices_app.command("revoke")
def devices_revoke(site_id: str, device_id: str, data_dir: DataDir = None) -> None:
    """Revoke a device's token; it can post nothing until given a new one."""
    settings = settings_for(data_dir)
    with opened_store(settings) as store:
        service.revoke_device_token(store.registry, site_id, device_id)
        audit_cli_change(settings, store, "device.token_revoke", site_id, [device_id])
    out.print(f"Revoked the token of {device_id}")
