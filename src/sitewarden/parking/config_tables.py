"""Tables of a garage's set-up: lanes, plate settings, tariffs, vehicles, lists and permits."""

from __future__ import annotations

from dataclasses import asdict
from datetime import time
from typing import Any

import orjson

from sitewarden.db.database import Database, _dt, _must_dt, _t, upsert_sql
from sitewarden.parking.records import (
    GarageTariff,
    Lane,
    ListEntry,
    Permit,
    PlateSettings,
    UnsureReads,
    Vehicle,
)
from sitewarden.parking.tariffs import Tariff
from sitewarden.vision.plate_formats import PlateFormat

_LANE_UPSERT = upsert_sql(
    "parking_lanes",
    ("site_id", "device_id", "zone_id", "direction", "created_at"),
    ("site_id", "device_id"),
)
_PLATE_SETTINGS_UPSERT = upsert_sql(
    "parking_plate_settings",
    ("site_id", "formats", "custom_formats", "review_below", "duplicate_window_s", "unsure_reads"),
    ("site_id",),
)
_TARIFF_UPSERT = upsert_sql(
    "parking_tariffs",
    ("site_id", "zone_id", "tariff", "updated_at", "updated_by"),
    ("site_id", "zone_id"),
)
_VEHICLE_UPSERT = upsert_sql(
    "parking_vehicles",
    ("site_id", "subject_id", "owner_ref", "note", "created_at", "created_by"),
    ("site_id", "subject_id"),
)


def _tariff_json(tariff: Tariff) -> bytes:
    values = asdict(tariff)
    for name in ("night_start", "night_end"):
        values[name] = None if values[name] is None else values[name].isoformat("minutes")
    return orjson.dumps(values)


def _tariff(raw: str) -> Tariff:
    values = orjson.loads(raw)
    for name in ("night_start", "night_end"):
        values[name] = None if values[name] is None else time.fromisoformat(values[name])
    return Tariff(**values)


def _vehicle(row: Any) -> Vehicle:
    return Vehicle(row[0], row[1], row[2], row[3], _must_dt(row[4]), row[5])


class ParkingConfigTables:
    """Lanes, plate settings, tariffs, vehicles, lists and permits."""

    def __init__(self, db: Database) -> None:
        self._db = db

    # --- lanes, plate settings, tariffs ------------------------------------------------
    def put_lane(self, lane: Lane) -> None:
        self._db.write(
            _LANE_UPSERT,
            (lane.site_id, lane.device_id, lane.zone_id, lane.direction, _t(lane.created_at)),
        )

    def get_lane(self, site_id: str, device_id: str) -> Lane | None:
        row = self._db.read_one(
            "SELECT * FROM parking_lanes WHERE site_id = ? AND device_id = ?", (site_id, device_id)
        )
        return None if row is None else Lane(row[0], row[1], row[2], row[3], _must_dt(row[4]))

    def list_lanes(self, site_id: str) -> list[Lane]:
        rows = self._db.read(
            "SELECT * FROM parking_lanes WHERE site_id = ? ORDER BY zone_id, device_id", (site_id,)
        )
        return [Lane(r[0], r[1], r[2], r[3], _must_dt(r[4])) for r in rows]

    def delete_lane(self, site_id: str, device_id: str) -> int:
        return self._db.write(
            "DELETE FROM parking_lanes WHERE site_id = ? AND device_id = ?", (site_id, device_id)
        )

    def put_plate_settings(self, settings: PlateSettings) -> None:
        self._db.write(
            _PLATE_SETTINGS_UPSERT,
            (
                settings.site_id,
                orjson.dumps(list(settings.formats)).decode(),
                orjson.dumps(
                    [{"name": f.name, "pattern": f.pattern} for f in settings.custom_formats]
                ).decode(),
                settings.review_below,
                settings.duplicate_window_s,
                settings.unsure_reads,
            ),
        )

    def get_plate_settings(self, site_id: str) -> PlateSettings | None:
        row = self._db.read_one(
            "SELECT * FROM parking_plate_settings WHERE site_id = ?", (site_id,)
        )
        if row is None:
            return None
        custom = tuple(PlateFormat(f["name"], f["pattern"]) for f in orjson.loads(row[2]))
        policy: UnsureReads = "admit" if row[5] == "admit" else "hold"
        return PlateSettings(row[0], tuple(orjson.loads(row[1])), custom, row[3], row[4], policy)

    def put_tariff(self, tariff: GarageTariff) -> None:
        self._db.write(
            _TARIFF_UPSERT,
            (
                tariff.site_id,
                tariff.zone_id,
                _tariff_json(tariff.tariff).decode(),
                _t(tariff.updated_at),
                tariff.updated_by,
            ),
        )

    def get_tariff(self, site_id: str, zone_id: str) -> GarageTariff | None:
        row = self._db.read_one(
            "SELECT * FROM parking_tariffs WHERE site_id = ? AND zone_id = ?", (site_id, zone_id)
        )
        if row is None:
            return None
        return GarageTariff(row[0], row[1], _tariff(row[2]), _must_dt(row[3]), row[4])

    # --- vehicles, lists, permits ------------------------------------------------------
    def put_vehicle(self, vehicle: Vehicle) -> None:
        self._db.write(
            _VEHICLE_UPSERT,
            (
                vehicle.site_id,
                vehicle.subject_id,
                vehicle.owner_ref,
                vehicle.note,
                _t(vehicle.created_at),
                vehicle.created_by,
            ),
        )

    def get_vehicle(self, site_id: str, subject_id: str) -> Vehicle | None:
        row = self._db.read_one(
            "SELECT * FROM parking_vehicles WHERE site_id = ? AND subject_id = ?",
            (site_id, subject_id),
        )
        return None if row is None else _vehicle(row)

    def list_vehicles(self, site_id: str, limit: int) -> list[Vehicle]:
        rows = self._db.read(
            "SELECT * FROM parking_vehicles WHERE site_id = ? ORDER BY created_at DESC LIMIT ?",
            (site_id, limit),
        )
        return [_vehicle(row) for row in rows]

    def delete_vehicle(self, site_id: str, subject_id: str) -> int:
        return self._db.write(
            "DELETE FROM parking_vehicles WHERE site_id = ? AND subject_id = ?",
            (site_id, subject_id),
        )

    def add_list_entry(self, entry: ListEntry) -> None:
        self._db.write(
            "INSERT INTO parking_lists VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                entry.site_id,
                entry.entry_id,
                entry.subject_id,
                entry.list_name,
                entry.zone_id,
                entry.reason,
                _t(entry.valid_from),
                _t(entry.valid_until),
                _t(entry.created_at),
                entry.created_by,
            ),
        )

    def list_entries(self, site_id: str, subject_id: str | None = None) -> list[ListEntry]:
        sql = "SELECT * FROM parking_lists WHERE site_id = ?"
        params: list[Any] = [site_id]
        if subject_id is not None:
            sql += " AND subject_id = ?"
            params.append(subject_id)
        rows = self._db.read(sql + " ORDER BY created_at DESC LIMIT 10000", params)
        return [
            ListEntry(
                r[0], r[1], r[2], r[3], r[4], r[5], _dt(r[6]), _dt(r[7]), _must_dt(r[8]), r[9]
            )
            for r in rows
        ]

    def delete_list_entry(self, site_id: str, entry_id: str) -> int:
        return self._db.write(
            "DELETE FROM parking_lists WHERE site_id = ? AND entry_id = ?", (site_id, entry_id)
        )

    def add_permit(self, permit: Permit) -> None:
        self._db.write(
            "INSERT INTO parking_permits VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                permit.site_id,
                permit.permit_id,
                permit.subject_id,
                permit.zone_id,
                permit.kind,
                _t(permit.valid_from),
                _t(permit.valid_until),
                _t(permit.created_at),
                permit.created_by,
            ),
        )

    def list_permits(self, site_id: str, subject_id: str | None = None) -> list[Permit]:
        sql = "SELECT * FROM parking_permits WHERE site_id = ?"
        params: list[Any] = [site_id]
        if subject_id is not None:
            sql += " AND subject_id = ?"
            params.append(subject_id)
        rows = self._db.read(sql + " ORDER BY valid_from DESC LIMIT 10000", params)
        return [
            Permit(
                r[0], r[1], r[2], r[3], r[4], _must_dt(r[5]), _must_dt(r[6]), _must_dt(r[7]), r[8]
            )
            for r in rows
        ]

    def delete_permit(self, site_id: str, permit_id: str) -> int:
        return self._db.write(
            "DELETE FROM parking_permits WHERE site_id = ? AND permit_id = ?", (site_id, permit_id)
        )

    # --- editing list entries and permits (the console's lists page) -------------------
    def get_list_entry(self, site_id: str, entry_id: str) -> ListEntry | None:
        return next((e for e in self.list_entries(site_id) if e.entry_id == entry_id), None)

    def get_permit(self, site_id: str, permit_id: str) -> Permit | None:
        return next((p for p in self.list_permits(site_id) if p.permit_id == permit_id), None)

    def replace_list_entry(self, entry: ListEntry) -> int:
        """Change an entry's list, garage, reason and window; its vehicle stays."""
        return self._db.write(
            "UPDATE parking_lists SET list_name = ?, zone_id = ?, reason = ?, valid_from = ?, "
            "valid_until = ? WHERE site_id = ? AND entry_id = ?",
            (
                entry.list_name,
                entry.zone_id,
                entry.reason,
                _t(entry.valid_from),
                _t(entry.valid_until),
                entry.site_id,
                entry.entry_id,
            ),
        )

    def replace_permit(self, permit: Permit) -> int:
        """Change a permit's kind, garage and window; its vehicle stays."""
        return self._db.write(
            "UPDATE parking_permits SET kind = ?, zone_id = ?, valid_from = ?, valid_until = ? "
            "WHERE site_id = ? AND permit_id = ?",
            (
                permit.kind,
                permit.zone_id,
                _t(permit.valid_from),
                _t(permit.valid_until),
                permit.site_id,
                permit.permit_id,
            ),
        )

    def add_rules(self, entries: list[ListEntry], permits: list[Permit]) -> None:
        """Store an imported file's entries and permits all together, or none of them."""
        with self._db.transaction() as conn:
            for entry in entries:
                conn.execute(
                    "INSERT INTO parking_lists VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        entry.site_id,
                        entry.entry_id,
                        entry.subject_id,
                        entry.list_name,
                        entry.zone_id,
                        entry.reason,
                        _t(entry.valid_from),
                        _t(entry.valid_until),
                        _t(entry.created_at),
                        entry.created_by,
                    ),
                )
            for permit in permits:
                conn.execute(
                    "INSERT INTO parking_permits VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        permit.site_id,
                        permit.permit_id,
                        permit.subject_id,
                        permit.zone_id,
                        permit.kind,
                        _t(permit.valid_from),
                        _t(permit.valid_until),
                        _t(permit.created_at),
                        permit.created_by,
                    ),
                )
