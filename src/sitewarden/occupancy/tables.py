"""The occupancy table: people or vehicles counted per zone and interval."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sitewarden.db.database import Database, _must_dt
from sitewarden.events.model import to_micros


class OccupancyTables:
    """Occupancy counts per site, zone and interval."""

    def __init__(self, db: Database) -> None:
        self._db = db

    # --- occupancy ----------------------------------------------------------------------
    def add_occupancy(self, rows: Sequence[tuple[str, str, str, datetime, int, int]]) -> None:
        """(site, zone, source, interval start, interval seconds, count); latest wins."""
        with self._db.transaction() as conn:
            conn.executemany(
                "INSERT INTO occupancy VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT "
                "(site_id, zone_id, source, interval_start) DO UPDATE SET count = excluded.count",
                [(s, z, src, to_micros(at), secs, n) for s, z, src, at, secs, n in rows],
            )

    def occupancy(
        self, site_id: str, zone_id: str | None, since: datetime, until: datetime
    ) -> list[tuple[str, str, datetime, int, int]]:
        where = "site_id = ? AND interval_start >= ? AND interval_start < ?"
        params: list[Any] = [site_id, to_micros(since), to_micros(until)]
        if zone_id is not None:
            where += " AND zone_id = ?"
            params.append(zone_id)
        rows = self._db.read(
            "SELECT zone_id, source, interval_start, interval_s, count FROM occupancy "
            f"WHERE {where} ORDER BY interval_start, zone_id, source",
            params,
        )
        return [(r[0], r[1], _must_dt(r[2]), r[3], r[4]) for r in rows]

    def latest(
        self, site_id: str, zone_ids: Sequence[str], since: datetime
    ) -> list[tuple[str, str, datetime, int]]:
        """Per zone and source, the latest interval since ``since`` and its count. The
        zones are named so each (zone, source) is a seek in the key, not a scan of the
        site's whole history."""
        if not zone_ids:
            return []
        marks = ", ".join("?" * len(zone_ids))
        rows = self._db.read(
            "SELECT zone_id, source, interval_start, count FROM occupancy AS o "
            f"WHERE site_id = ? AND zone_id IN ({marks}) AND source IN ('camera', 'wifi') "
            "AND interval_start >= ? AND interval_start = (SELECT max(interval_start) "
            "FROM occupancy WHERE site_id = o.site_id AND zone_id = o.zone_id "
            "AND source = o.source AND interval_start >= ?) ORDER BY zone_id, source",
            (site_id, *zone_ids, to_micros(since), to_micros(since)),
        )
        return [(r[0], r[1], _must_dt(r[2]), r[3]) for r in rows]
