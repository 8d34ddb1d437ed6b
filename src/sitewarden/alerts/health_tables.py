"""Device health in the database: devices marked offline when silent past their
deadline, and online again (their offline alert resolved) when heard from.

Applied inside the events transaction, like alert signals, so a device is never shown
offline after an event from it was acknowledged.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sitewarden.alerts.model import AlertChange, AlertSignal, SilentDevice
from sitewarden.alerts.tables import AlertTables
from sitewarden.db.database import Connection, Database, _must_dt, chunked, value_rows
from sitewarden.events.kinds import Severity
from sitewarden.events.model import to_micros

BACK_ONLINE_CHUNK = 400


class DeviceHealthTables:
    """The health columns of devices, and the offline alerts they open and close."""

    def __init__(self, db: Database, alerts: AlertTables) -> None:
        self._db = db
        self._alerts = alerts

    def back_online(
        self, conn: Connection, keys: Sequence[tuple[str, str]], now: datetime
    ) -> list[AlertChange]:
        """Devices heard from again: mark online; resolve their offline alert."""
        changes: list[AlertChange] = []
        returned: set[tuple[str, str]] = set()
        # One statement per chunk, not per device: on PostgreSQL each is a round trip.
        for chunk in chunked(keys, BACK_ONLINE_CHUNK):
            rows = conn.execute(
                "UPDATE devices SET health = 'online', health_changed_at = ? "
                "WHERE health != 'online' AND (site_id, device_id) IN "
                f"(VALUES {value_rows(2, len(chunk))}) RETURNING site_id, device_id",
                (to_micros(now), *(part for key in chunk for part in key)),
            ).fetchall()
            returned.update((row[0], row[1]) for row in rows)
        for site_id, device_id in keys:
            if (site_id, device_id) not in returned:
                continue
            signal = AlertSignal(
                "clear",
                "device-offline",
                "",
                Severity.MAJOR,
                site_id,
                f"device:{device_id}",
                None,
                device_id,
                uuid.UUID(int=0),
                now,
            )
            change = self._alerts.clear(conn, signal, now, "device back online")
            if change is not None:
                changes.append(change)
        self._alerts.queue_deliveries(conn, changes, now)
        return changes

    def mark_offline(
        self,
        conn: Connection,
        site_id: str,
        device_id: str,
        deadline: datetime,
        now: datetime,
    ) -> bool:
        """Offline only if still silent since before ``deadline`` (a heartbeat may have won)."""
        row = conn.execute(
            "UPDATE devices SET health = 'offline', health_changed_at = ? "
            "WHERE site_id = ? AND device_id = ? AND health != 'offline' "
            "AND coalesce(last_seen_at, created_at) < ? RETURNING 1",
            (to_micros(now), site_id, device_id, to_micros(deadline)),
        ).fetchone()
        return row is not None

    def silent_devices(self, now: datetime, factor: float) -> list[SilentDevice]:
        """Devices heard from once, silent past their deadline, not yet marked offline."""
        rows = self._db.read(
            "SELECT site_id, device_id, zone_id, last_seen_at, last_seen_at + "
            "CAST(heartbeat_s * ? * 1000000 AS BIGINT) AS deadline FROM devices "
            "WHERE health != 'offline' AND last_seen_at IS NOT NULL AND "
            "last_seen_at + CAST(heartbeat_s * ? * 1000000 AS BIGINT) < ?",
            (factor, factor, to_micros(now)),
        )
        return [
            SilentDevice(row[0], row[1], row[2], _must_dt(row[3]), _must_dt(row[4])) for row in rows
        ]
