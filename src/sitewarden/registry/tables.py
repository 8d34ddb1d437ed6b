"""Tables of sites, zones and devices (with their credentials)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sitewarden.db.database import Database, _dt, _must_dt, _t
from sitewarden.events.device_kinds import DeviceKind
from sitewarden.registry.records import Device, DeviceCredential, PlanImage, Site, Zone

_DEVICE_COLUMNS = (
    "site_id, device_id, zone_id, kind, name, x, y, heartbeat_s, created_at, last_seen_at, "
    "token_id, token_issued_at, token_revoked_at, rotation"
)


def _site(row: Any) -> Site:
    return Site(row[0], row[1], row[2], row[3], row[4], _must_dt(row[5]))


def _zone(row: Any) -> Zone:
    return Zone(row[0], row[1], row[2], row[3], _must_dt(row[4]))


def _device(row: Any) -> Device:
    return Device(
        site_id=row[0],
        device_id=row[1],
        zone_id=row[2],
        kind=DeviceKind(row[3]),
        name=row[4],
        x=row[5],
        y=row[6],
        heartbeat_s=row[7],
        created_at=_must_dt(row[8]),
        last_seen_at=_dt(row[9]),
        token_id=row[10],
        token_issued_at=_dt(row[11]),
        token_revoked_at=_dt(row[12]),
        rotation=row[13],
    )


class RegistryTables:
    """Sites, zones, devices and device credentials."""

    def __init__(self, db: Database) -> None:
        self._db = db

    # --- sites -----------------------------------------------------------------
    def add_site(self, site: Site) -> None:
        self._db.write(
            "INSERT INTO sites VALUES (?, ?, ?, ?, ?, ?)",
            (
                site.site_id,
                site.name,
                site.timezone,
                site.plan_width,
                site.plan_height,
                _t(site.created_at),
            ),
        )

    def get_site(self, site_id: str) -> Site | None:
        row = self._db.read_one("SELECT * FROM sites WHERE site_id = ?", (site_id,))
        return None if row is None else _site(row)

    def list_sites(self, site_scope: tuple[str, ...] | None = None) -> list[Site]:
        rows = self._db.read("SELECT * FROM sites ORDER BY site_id")
        return [_site(row) for row in rows if site_scope is None or row[0] in site_scope]

    def update_site(self, site: Site) -> None:
        self._db.write(
            "UPDATE sites SET name = ?, timezone = ?, plan_width = ?, plan_height = ? "
            "WHERE site_id = ?",
            (site.name, site.timezone, site.plan_width, site.plan_height, site.site_id),
        )

    def delete_site(self, site_id: str) -> None:
        self._db.write("DELETE FROM sites WHERE site_id = ?", (site_id,))

    def count_site_contents(self, site_id: str) -> dict[str, int]:
        zones = self._db.read_one("SELECT count(*) FROM zones WHERE site_id = ?", (site_id,))[0]
        devices = self._db.read_one("SELECT count(*) FROM devices WHERE site_id = ?", (site_id,))[0]
        events = self._db.read_one(
            "SELECT count(*) FROM (SELECT 1 FROM events WHERE site_id = ? LIMIT 1) AS found",
            (site_id,),
        )[0]
        return {"zones": zones, "devices": devices, "events": events}

    # --- a site's floor-plan image ---------------------------------------------------
    def put_plan_image(self, plan: PlanImage) -> None:
        self._db.write(
            "INSERT INTO site_plan_images VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (site_id) DO UPDATE SET media_type = excluded.media_type, "
            "image = excluded.image, width = excluded.width, height = excluded.height, "
            "uploaded_by = excluded.uploaded_by, uploaded_at = excluded.uploaded_at",
            (
                plan.site_id,
                plan.media_type,
                plan.image,
                plan.width,
                plan.height,
                plan.uploaded_by,
                _t(plan.uploaded_at),
            ),
        )

    def get_plan_image(self, site_id: str) -> PlanImage | None:
        row = self._db.read_one(
            "SELECT site_id, media_type, image, width, height, uploaded_by, uploaded_at "
            "FROM site_plan_images WHERE site_id = ?",
            (site_id,),
        )
        if row is None:
            return None
        return PlanImage(row[0], row[1], bytes(row[2]), row[3], row[4], row[5], _must_dt(row[6]))

    def delete_plan_image(self, site_id: str) -> bool:
        """Remove the site's floor-plan image; whether there was one."""
        found = self._db.read_one("SELECT 1 FROM site_plan_images WHERE site_id = ?", (site_id,))
        self._db.write("DELETE FROM site_plan_images WHERE site_id = ?", (site_id,))
        return found is not None

    # --- zones -----------------------------------------------------------------
    def add_zone(self, zone: Zone) -> None:
        self._db.write(
            "INSERT INTO zones VALUES (?, ?, ?, ?, ?)",
            (zone.site_id, zone.zone_id, zone.name, zone.capacity, _t(zone.created_at)),
        )

    def get_zone(self, site_id: str, zone_id: str) -> Zone | None:
        row = self._db.read_one(
            "SELECT * FROM zones WHERE site_id = ? AND zone_id = ?", (site_id, zone_id)
        )
        return None if row is None else _zone(row)

    def list_zones(self, site_id: str) -> list[Zone]:
        rows = self._db.read("SELECT * FROM zones WHERE site_id = ? ORDER BY zone_id", (site_id,))
        return [_zone(row) for row in rows]

    def update_zone(self, zone: Zone) -> None:
        self._db.write(
            "UPDATE zones SET name = ?, capacity = ? WHERE site_id = ? AND zone_id = ?",
            (zone.name, zone.capacity, zone.site_id, zone.zone_id),
        )

    def delete_zone(self, site_id: str, zone_id: str) -> None:
        self._db.write("DELETE FROM zones WHERE site_id = ? AND zone_id = ?", (site_id, zone_id))

    # --- devices ---------------------------------------------------------------
    def add_device(self, device: Device) -> None:
        self._db.write(
            "INSERT INTO devices (site_id, device_id, zone_id, kind, name, x, y, heartbeat_s, "
            "created_at, rotation) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                device.site_id,
                device.device_id,
                device.zone_id,
                device.kind.value,
                device.name,
                device.x,
                device.y,
                device.heartbeat_s,
                _t(device.created_at),
                device.rotation,
            ),
        )

    def get_device(self, site_id: str, device_id: str) -> Device | None:
        row = self._db.read_one(
            f"SELECT {_DEVICE_COLUMNS} FROM devices WHERE site_id = ? AND device_id = ?",
            (site_id, device_id),
        )
        return None if row is None else _device(row)

    def list_devices(self, site_id: str) -> list[Device]:
        rows = self._db.read(
            f"SELECT {_DEVICE_COLUMNS} FROM devices WHERE site_id = ? ORDER BY device_id",
            (site_id,),
        )
        return [_device(row) for row in rows]

    def update_device(self, device: Device) -> None:
        self._db.write(
            "UPDATE devices SET zone_id = ?, kind = ?, name = ?, x = ?, y = ?, heartbeat_s = ?, "
            "rotation = ? WHERE site_id = ? AND device_id = ?",
            (
                device.zone_id,
                device.kind.value,
                device.name,
                device.x,
                device.y,
                device.heartbeat_s,
                device.rotation,
                device.site_id,
                device.device_id,
            ),
        )

    def delete_device(self, site_id: str, device_id: str) -> None:
        self._db.write(
            "DELETE FROM devices WHERE site_id = ? AND device_id = ?", (site_id, device_id)
        )

    def set_device_token(
        self, site_id: str, device_id: str, token_id: str, token_hash: bytes, at: datetime
    ) -> None:
        self._db.write(
            "UPDATE devices SET token_id = ?, token_hash = ?, token_issued_at = ?, "
            "token_revoked_at = NULL WHERE site_id = ? AND device_id = ?",
            (token_id, token_hash, _t(at), site_id, device_id),
        )

    def revoke_device_token(self, site_id: str, device_id: str, at: datetime) -> None:
        # The token id stays so that a device still using it is told it was revoked.
        self._db.write(
            "UPDATE devices SET token_hash = NULL, token_revoked_at = ? "
            "WHERE site_id = ? AND device_id = ?",
            (_t(at), site_id, device_id),
        )

    def find_device_credential(self, token_id: str) -> DeviceCredential | None:
        row = self._db.read_one(
            "SELECT site_id, device_id, zone_id, kind, token_id, token_hash, token_revoked_at "
            "FROM devices WHERE token_id = ?",
            (token_id,),
        )
        if row is None:
            return None
        return DeviceCredential(
            site_id=row[0],
            device_id=row[1],
            zone_id=row[2],
            kind=DeviceKind(row[3]),
            token_id=row[4],
            token_hash=row[5],
            revoked_at=_dt(row[6]),
        )
