"""The events table: appended inside a batch's transaction (with the devices' last-seen
times), searched by operators, expired by retention.

The transaction that lands a batch with what it changes (devices seen, alerts opened
or cleared, webhooks queued) is ``alerts/batch_transaction.py``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import orjson

from sitewarden.db.database import Connection, Database, EventRow, _must_dt, chunked, value_rows
from sitewarden.events.kinds import Severity
from sitewarden.events.model import Event, to_micros
from sitewarden.events.query import EventPage, EventQuery

DeviceKey = tuple[str, str]  # (site_id, device_id)

# The severities the partial "severe" indexes hold (0015); the search names them in
# literal SQL, which is what lets a planner match the indexes' WHERE.
SEVERE = frozenset({Severity.MAJOR, Severity.CRITICAL})
SEVERE_SQL = "severity IN ('major', 'critical')"

# Devices per last-seen UPDATE (three values each).
SEEN_CHUNK = 400

_EVENT_COLUMNS = (
    "id, site_id, zone_id, device_id, kind, severity, occurred_at, received_at, "
    "attributes, personal, note, subject_id, media"
)


def _index_for(query: EventQuery) -> str:
    """Pick the index explicitly so every operator query is an ordered index range scan."""
    single_site = query.site_id is not None or (
        query.site_scope is not None and len(query.site_scope) == 1
    )
    if query.text and query.subject_ids is None:
        # Only events with a note can match: the partial indexes of those (0015).
        return "events_site_note_time" if single_site else "events_note_time"
    if _severe_only(query) and query.subject_ids is None:
        return "events_site_severe_time" if single_site else "events_severe_time"
    if not single_site:
        return "events_time" if query.kind is None else "events_kind_time"
    if query.subject_ids is not None:
        return "events_subject_time"
    if query.device_id is not None:
        return "events_device_time"
    if query.kind is not None:  # read only that kind's events, rare or absent ones too (0015)
        return "events_kind_time"
    if query.family is not None:
        return "events_family_time"
    return "events_site_time"


def _severe_only(query: EventQuery) -> bool:
    return query.severities is not None and set(query.severities) <= SEVERE


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _event(row: Any) -> Event:
    return Event(
        id=UUID(bytes=row[0]),
        site_id=row[1],
        zone_id=row[2],
        device_id=row[3],
        kind=row[4],
        severity=Severity(row[5]),
        occurred_at=_must_dt(row[6]),
        received_at=_must_dt(row[7]),
        attributes=orjson.loads(row[8]),
        personal=None,
        note=row[10],
        subject_id=row[11],
        sealed_personal=row[9],
        sealed_media=row[12],
    )


class EventTables:
    """Events: appended in a batch's transaction, searched, expired."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def append(self, conn: Connection, rows: Sequence[EventRow]) -> None:
        """Append a batch of events (as :func:`event_rows` made them) inside ``conn``'s
        transaction: many rows a statement on SQLite, a binary COPY on PostgreSQL."""
        self._db.append_events(conn, rows)

    def mark_seen(self, conn: Connection, last_seen: Mapping[DeviceKey, datetime]) -> None:
        """Newer last-seen times, one statement per chunk of devices rather than one per
        device (a round trip each on PostgreSQL, a lock hand-off each on SQLite)."""
        seen = [(to_micros(at), site, device) for (site, device), at in last_seen.items()]
        for chunk in chunked(seen, SEEN_CHUNK):
            conn.execute(
                "UPDATE devices SET last_seen_at = seen.column1 "
                f"FROM (VALUES {value_rows(3, len(chunk))}) AS seen "
                "WHERE devices.site_id = seen.column2 AND devices.device_id = seen.column3 "
                "AND (devices.last_seen_at IS NULL OR devices.last_seen_at < seen.column1)",
                [part for row in chunk for part in row],
            )

    def query_events(self, query: EventQuery) -> EventPage:
        where: list[str] = []
        params: list[Any] = []
        if query.site_scope is not None:
            where.append(f"site_id IN ({', '.join('?' * len(query.site_scope))})")
            params.extend(query.site_scope)
        for column, value in (
            ("site_id", query.site_id),
            ("zone_id", query.zone_id),
            ("device_id", query.device_id),
            ("kind", query.kind),
            ("family", query.family),
        ):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        if query.since is not None:
            where.append("occurred_at >= ?")
            params.append(to_micros(query.since))
        if query.until is not None:
            where.append("occurred_at < ?")
            params.append(to_micros(query.until))
        if query.subject_ids is not None:
            where.append(f"subject_id IN ({', '.join('?' * len(query.subject_ids))})")
            params.extend(query.subject_ids)
        if query.severities is not None:
            where.append(f"severity IN ({', '.join('?' * len(query.severities))})")
            params.extend(severity.value for severity in query.severities)
            if _severe_only(query):
                where.append(SEVERE_SQL)  # the partial severe indexes' WHERE (0015)
        if query.exclude_kinds:
            excluded = sorted(query.exclude_kinds)
            where.append(f"kind NOT IN ({', '.join('?' * len(excluded))})")
            params.extend(excluded)
        if query.text:
            # "IS NOT NULL" lets the planner use the partial note indexes (0015).
            where.append(f"note IS NOT NULL AND note {self._db.LIKE} ? ESCAPE '\\'")
            params.append("%" + _escape_like(query.text) + "%")
        if query.after is not None:
            where.append("(occurred_at, id) < (?, ?)")
            params.extend((to_micros(query.after[0]), query.after[1].bytes))
        sql = (
            f"SELECT {_EVENT_COLUMNS} FROM events{self._db.index_hint(_index_for(query))}"
            + (" WHERE " + " AND ".join(where) if where else "")
            + " ORDER BY occurred_at DESC, id DESC LIMIT ?"
        )
        params.append(query.limit + 1)
        rows = self._db.read(sql, params)
        events = [_event(row) for row in rows[: query.limit]]
        cursor = None
        if len(rows) > query.limit and events:
            cursor = (events[-1].occurred_at, events[-1].id)
        return EventPage(events=events, next_cursor=cursor)

    def device_activity(
        self, site_id: str, device_id: str, since: datetime, until: datetime, bucket_s: int
    ) -> dict[datetime, int]:
        """How many events the device sent in each ``bucket_s`` slice of [since, until),
        by the slice's start; slices without events are left out (the gaps). Counted in
        SQL over the (site, device, time) index alone, so a week of one device stays a
        short range scan however many events the store holds."""
        start = to_micros(since)
        width = bucket_s * 1_000_000
        rows = self._db.read(
            f"SELECT (occurred_at - ?) / ? AS slot, count(*) "
            f"FROM events{self._db.index_hint('events_device_time')} "
            "WHERE site_id = ? AND device_id = ? AND occurred_at >= ? AND occurred_at < ? "
            "GROUP BY slot ORDER BY slot",
            (start, width, site_id, device_id, start, to_micros(until)),
        )
        return {since + timedelta(seconds=int(slot) * bucket_s): int(n) for slot, n in rows}

    def get_event(self, event_id: UUID) -> Event | None:
        row = self._db.read_one(
            f"SELECT {_EVENT_COLUMNS} FROM events WHERE id = ?", (event_id.bytes,)
        )
        return None if row is None else _event(row)

    def delete_events_before(self, kinds: frozenset[str], before: datetime, limit: int) -> int:
        """Delete up to ``limit`` of the oldest events of ``kinds`` that occurred before
        (PostgreSQL drops whole expired weeks first)."""
        return self._db.delete_events_before(kinds, before, limit)

    def drop_media_before(self, before: datetime, limit: int) -> int:
        """Drop sealed media (face crops, snapshots) of events older than ``before``."""
        with self._db.transaction() as conn:
            cursor = conn.execute(
                f"UPDATE events SET media = NULL WHERE id IN (SELECT id FROM events"
                f"{self._db.index_hint('events_time')} WHERE occurred_at < ? AND media IS NOT NULL "
                "LIMIT ?)",
                (to_micros(before), limit),
            )
            return int(cursor.rowcount)

    def drop_subject_media(self, site_id: str, subject_id: str) -> int:
        with self._db.transaction() as conn:
            cursor = conn.execute(
                "UPDATE events SET media = NULL WHERE site_id = ? AND subject_id = ? "
                "AND media IS NOT NULL",
                (site_id, subject_id),
            )
            return int(cursor.rowcount)

    def count_events(self) -> int:
        return int(self._db.read_one("SELECT count(*) FROM events")[0])
